"""LINES lines "filler <n>", but a few that a search finds: a word in several
cases, split by colour codes, on a progress line's last state (and on an
earlier state, where it is not shown), next to control characters."""

import os
import sys

SPECIAL = {
    7: "Needle here and NEEDLE there, needle!",
    2500: "\x1b[31mnee\x1b[0mdle split by colour",
    12345: "progress needle 10%\rprogress 100%",
    12346: "progress 50%\rdone: needle found\r",
    20000: "a tab\tthen needle\x01 and a bell\x07",
    24999: "no more: NEEDLE",
}
total = int(os.environ["LINES"])
sys.stdout.write("".join(f"{SPECIAL.get(n, f'filler {n}')}\n" for n in range(1, total + 1)))
