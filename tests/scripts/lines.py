import os
import sys

total = int(os.environ["LINES"])
sys.stdout.write("".join(f"line {n}\n" for n in range(1, total + 1)))
