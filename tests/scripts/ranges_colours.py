"""3,000 numbered lines whose colours carry across the log API's ranges: red from
line 1, never reset until line 2501; bold from line 1200 and a 256-colour
background from line 1700 (both in the middle of a block); a colon-form 24-bit
colour from line 2550 that never ends; escapes that are no colour in between."""

import sys

STYLED = {
    1: "\x1b[31m",
    600: "\x1b[2J\x1b]0;title\x07",  # a screen clear and a window title: no style
    1200: "\x1b[1m",
    1700: "\x1b[48;5;17m",
    2200: "\x1b[>4;2m",  # a private mode: no style
    2501: "\x1b[0m",
    2550: "\x1b[38:2::10:20:30m",
}

sys.stdout.write("".join(f"{STYLED.get(n, '')}line {n}\n" for n in range(1, 3001)))
