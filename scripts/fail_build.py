"""A build that fails: a few lines on stdout and stderr, then EXIT_CODE."""

import os
import sys
import time

code = int(os.environ.get("EXIT_CODE", "2"))
print("compiling...", flush=True)
time.sleep(0.2)
print("error: something went wrong", file=sys.stderr, flush=True)
print(f"exiting with code {code}", flush=True)
sys.exit(code)
