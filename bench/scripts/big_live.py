"""A running build with a big log: LINES lines as fast as it can, then RATE lines
a second for SECONDS more, in 10 ms ticks (see big_text.py). Line numbers read
"[n/total]" with total the number it will have printed at the end."""

import os
import sys
import time

from big_text import rare_lines, write_lines

prefill, rate = int(os.environ["LINES"]), int(os.environ["RATE"])
seconds = int(os.environ["SECONDS"])
total = prefill + rate * seconds
rare = frozenset(rare_lines(prefill))
out = sys.stdout
write_lines(out, 1, prefill, total, rare)
start = time.monotonic()
printed = prefill
while printed < total:
    due = min(total, prefill + int((time.monotonic() - start) * rate) + 1)
    write_lines(out, printed + 1, due, total, rare)
    printed = due
    time.sleep(0.01)
