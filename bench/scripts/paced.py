"""Prints LINES lines at RATE lines a second in 10 ms ticks, from START_AT (ms since
the epoch, 0 for at once); each line starts with its print time."""

import os
import sys
import time

total, rate = int(os.environ["LINES"]), int(os.environ["RATE"])
start_at = int(os.environ.get("START_AT") or 0) / 1000
if start_at > time.time():
    time.sleep(start_at - time.time())
out = sys.stdout
start = time.monotonic()
printed = 0
while printed < total:
    due = min(total, int((time.monotonic() - start) * rate) + 1)
    stamp = int(time.time() * 1000)
    out.write("".join(f"{stamp} line {n}\n" for n in range(printed + 1, due + 1)))
    out.flush()
    printed = due
    time.sleep(0.01)
