"""Prints one stamped line, then stays silent for SECONDS."""

import os
import time

print(f"{int(time.time() * 1000)} line 1", flush=True)
time.sleep(int(os.environ["SECONDS"]))
