import os
import sys

print("about to fail", flush=True)
print("to stderr", file=sys.stderr, flush=True)
sys.exit(int(os.environ["EXIT_CODE"]))
