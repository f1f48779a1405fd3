"""Prints logs of a given SHAPE for the viewer's tests.

colours: ANSI styles; group: a ::group:: fold whose LINES stream DELAY apart;
needle: LINES lines with one line holding "needle" three quarters of the way;
wide: LINES lines of 65,000 characters each.
"""

import os
import time

shape = os.environ["SHAPE"]
count = int(os.environ["LINES"])
delay = float(os.environ["DELAY"])

if shape == "colours":
    print("\x1b[31mred text\x1b[0m plain")
    print("\x1b[38;5;208m256-colour orange\x1b[0m")
    print("\x1b[38;2;1;2;3m24-bit colour\x1b[0m")
    print("\x1b[1mbold\x1b[0m \x1b[3mitalic\x1b[0m \x1b[4munderline\x1b[0m")
    print("downloading 10%\rdownloading 55%\rdownloading 100%")
    print("\x1b[2J\x1b]0;retitled\x07cursor games\x1b[5A gone")
elif shape == "group":
    print("before the group")
    print("::group::Compile everything")
    for number in range(1, count + 1):
        print(f"compile step {number}", flush=True)
        time.sleep(delay)
    print("::endgroup::")
    print("after the group")
elif shape == "needle":
    needle_at = count * 3 // 4
    for number in range(1, count + 1):
        print(f"needle found here at {number}" if number == needle_at else f"hay {number}")
elif shape == "wide":
    for number in range(1, count + 1):
        print(f"{number:<8}" + "w" * 64_992)
