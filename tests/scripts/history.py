"""Says WORD inside a step, after the GATE file exists (when given); exits with EXIT."""

import os
import sys
import time

gate = os.environ.get("GATE", "")
while gate and not os.path.exists(gate):
    time.sleep(0.02)
print("::group::say", flush=True)
print(os.environ["WORD"], flush=True)
time.sleep(0.05)
print("::endgroup::", flush=True)
sys.exit(int(os.environ["EXIT"]))
