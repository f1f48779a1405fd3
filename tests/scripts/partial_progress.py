"""A progress bar redrawn with carriage returns: STEPS + 1 states DELAY seconds
apart, then its newline. With GATE it holds at half way, a spinner turning
after the percentage, until that file exists (so a test can watch it for as long
as it needs), and writes what it printed to GATE.written."""

import os
import sys
import time

steps, delay, gate = int(os.environ["STEPS"]), float(os.environ["DELAY"]), os.environ["GATE"]
written = []


def draw(text: str) -> None:
    written.append(text)
    sys.stdout.write(text)
    sys.stdout.flush()


draw("starting\n")
for step in range(steps + 1):
    state = f"\rprogress {step * 100 // steps:3d}%"
    draw(state)
    turns = 0
    while gate and step == steps // 2 and not os.path.exists(gate):
        draw(f"{state} {'|/-'[turns % 3]}")
        turns += 1
        time.sleep(0.1)
    time.sleep(delay)
draw("\n")
draw("done\n")
if gate:
    with open(gate + ".written", "w") as copy:
        copy.write("".join(written))
