"""The classic demo build: LINES lines, one a second."""

import os
import time

total = int(os.environ.get("LINES", "20"))
for number in range(1, total + 1):
    print(f"step {number} of {total}: working...", flush=True)
    if number < total:
        time.sleep(1)
print("done")
