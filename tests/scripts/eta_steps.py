"""A "Prepare" step that takes SLEEP seconds, then a "Wait" step that lasts until
the GATE file exists (when given); exits with EXIT."""

import os
import sys
import time

print("::group::Prepare", flush=True)
print("preparing", flush=True)
time.sleep(float(os.environ["SLEEP"]))
print("::endgroup::", flush=True)
print("::group::Wait", flush=True)
gate = os.environ.get("GATE", "")
while gate and not os.path.exists(gate):
    time.sleep(0.02)
print("waited", flush=True)
print("::endgroup::", flush=True)
sys.exit(int(os.environ["EXIT"]))
