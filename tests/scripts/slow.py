import os
import time

total, delay = int(os.environ["LINES"]), float(os.environ["DELAY"])
for n in range(1, total + 1):
    print(f"line {n}", flush=True)
    time.sleep(delay)
