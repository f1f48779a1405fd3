"""A long log for the range-loading page: LINES numbered lines ("line N"), the
word "zanzibar" on the lines listed in WORD_AT, red from RED_FROM up to
RED_UNTIL (set once, reset once: the lines between carry it), a collapsed
GitHub group from FOLD_FROM to FOLD_UNTIL; after PREFILL lines it goes on at
RATE lines a second."""

import os
import sys
import time


def numbers(name: str) -> set[int]:
    return {int(part) for part in os.environ.get(name, "").split(",") if part}


def number(name: str, default: int = 0) -> int:
    return int(os.environ.get(name) or default)


def text(line: int, words: set[int], red: tuple[int, int], fold: tuple[int, int]) -> str:
    if line == fold[0]:
        return "::group::Long step"
    if line == fold[1]:
        return "::endgroup::"
    body = f"line {line}"
    if line in words:
        body += " zanzibar"
    if line == red[0]:
        body = "\x1b[31m" + body
    if line == red[1]:
        body += "\x1b[0m"
    return body


def main() -> None:
    total, prefill, rate = number("LINES", 1000), number("PREFILL"), number("RATE")
    words = numbers("WORD_AT")
    red = (number("RED_FROM"), number("RED_UNTIL"))
    fold = (number("FOLD_FROM"), number("FOLD_UNTIL"))
    write = sys.stdout.write
    started = time.monotonic()
    for line in range(1, total + 1):
        write(text(line, words, red, fold) + "\n")
        if rate and line > prefill:
            sys.stdout.flush()
            time.sleep(max(0.0, started + (line - prefill) / rate - time.monotonic()))
        elif line == prefill:
            sys.stdout.flush()
            started = time.monotonic()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
