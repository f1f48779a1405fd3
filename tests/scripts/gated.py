"""Numbered lines in three runs, each after the previous gate file appears:
a test holds the build between runs while it breaks something."""

import os
import sys
import time

number = 0
runs = [int(count) for count in os.environ["RUNS"].split(",")]
gates = [None, *os.environ["GATES"].split(",")]
for count, gate in zip(runs, gates, strict=True):
    while gate and not os.path.exists(gate):
        time.sleep(0.05)
    sys.stdout.write("".join(f"line {number + n}\n" for n in range(1, count + 1)))
    sys.stdout.flush()
    number += count
