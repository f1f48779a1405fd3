"""Prints LINES numbered lines as fast as it can."""

import os
import sys

total = int(os.environ.get("LINES", "10000"))
write = sys.stdout.write
for number in range(1, total + 1):
    write(f"line {number}\n")
sys.stdout.flush()
