"""Prints LINES lines as fast as it can; each starts with its print time in ms."""

import os
import sys
import time

total = int(os.environ["LINES"])
out = sys.stdout
clock = time.time
for number in range(1, total + 1):
    out.write(f"{int(clock() * 1000)} line {number}\n")
out.flush()
