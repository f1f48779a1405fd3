"""What changes from one run of a recipe to the next, rewritten to fixed tokens so
that two logs compare equal where only such text differs.

Pure functions of a log's lines and its build's id: no Redis, no settings. The
rules (the README's table) run in the order of ``passes``, each once over the
whole log's text, which costs far less than one call per line. None crosses a
line. Each pattern starts with a character class or a literal (a lookbehind
then checks what comes before it), so the regex engine only stops where a rule
can begin: a 200,000-line log takes a fraction of a second. What the page
shows is always the original text; only the comparison sees the rewritten one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

# Colour and cursor codes: a line compares by what it says, not how it is painted.
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")

# Characters that end a path in running text (a compiler's "path:12:" keeps its ":12:").
_PATH_CHARS = r"[^\s:'\"`()\[\]{}<>,;|]"
TEMPORARY_PATH = re.compile(rf"/(?<![\w.~-]/)(?:var/)?tmp/{_PATH_CHARS}*")

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
_ZONE = (r"(?:\s?(?:Z|UTC|GMT|[+-]\d{2}:?\d{2}|CES?T|EES?T|WES?T|BST|IST|[ECMP][SD]T|JST|KST"
         r"|AE[SD]T)\b)?")
_CLOCK_TAIL = r":\d{2}(?::\d{2}(?:[.,]\d+)?)?"
_CLOCK = rf"\d{{1,2}}{_CLOCK_TAIL}{_ZONE}"
_UNIT = r"(?:ns|us|µs|ms|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|days?)"

# Dates and times that begin with a day or a month name: "Fri Dec  4 03:20:42 UTC
# 2026", "Fri, 04 Dec 2026 03:20:42 +0000", syslog's "Dec  4 03:20:42".
NAMED_DATE = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r"(?<!\w...)[a-z]*"
    rf"(?:,?\s+(?:\d{{1,2}}\s+{_MONTH}|{_MONTH}\s+\d{{1,2}})|\s+\d{{1,2}})"
    rf"(?:\s+\d{{4}})?\s+{_CLOCK}(?:\s+\d{{4}}\b)?"
)

# Words that start with a hex digit (not inside a word): a UUID; or, from a digit
# not after "." or "-", a date, a time, a duration or a Unix time (a run of
# digits, then what follows decides; lookbehinds check the run's length); or a
# word of 7 or more hex digits, which ``_token`` keeps unless it has a digit and a
# letter, all in one case ("defaced" and "1234567" stay). One pass finds them all.
WORD = re.compile(
    r"[0-9a-fA-F](?<!\w[0-9a-fA-F])(?:"
    r"[0-9a-fA-F]{7}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b(?P<uuid>)"
    r"|(?<=(?<![.-])\d)\d*+(?:"
    # 2026-12-04, 2026/12/04, with a time: ISO 8601 and its cousins
    rf"(?<=\d{{4}})(?<!\d{{5}})[-/]\d{{2}}[-/]\d{{2}}(?:[T ]\d{{1,2}}{_CLOCK_TAIL})?{_ZONE}"
    # 04 Dec 2026 03:20:42 (log4j, RFC 2822 without the day)
    rf"|(?<!\d{{3}})\s+{_MONTH}\s+\d{{4}}\b(?:\s+{_CLOCK})?"
    # 03:20:42, 0:01:12.5 (a time of day or a duration on a clock: both change)
    rf"|(?<!\d{{3}}):\d{{2}}:\d{{2}}(?:[.,]\d+)?\b{_ZONE}"
    # Unix time in seconds, milliseconds, microseconds or nanoseconds (2001-2033)
    r"|(?:(?<=(?<!\d)1\d{9})|(?<=(?<!\d)1\d{12})|(?<=(?<!\d)1\d{15})|(?<=(?<!\d)1\d{18}))"
    r"(?:\.\d+)?\b"
    r")(?P<time>)"
    # 1.23s, 12ms, 1m 12s, 1h2m3s, 5 seconds
    rf"|(?<=(?<![.-])\d)\d*+(?:\.\d+)?\s?{_UNIT}(?:\s?\d+(?:\.\d+)?\s?{_UNIT})*\b(?P<duration>)"
    r"|(?:(?<=0)x(?=[0-9a-fA-F]{7}))?[0-9a-fA-F]{6,}\b(?P<hex>)"
    r")"
)

# pid 123, pid=123, PID: 123; and syslog's name[123]:
PID = re.compile(r"[pP](?<!\w[pP])[iI][dD]\s?[:=]?\s?\d+\b")
BRACKETED_PID = re.compile(r"\[(?<=[\w.-]\[)\d+\](?=:)")

# The words before a build's own id that make the number an id.
_ID_WORDS = ("build", "build_id", "build-id", "build id", "buildtail_build_id", "builds")
_ID_SEPARATORS = ("", " ", "=", ":", ": ", " = ", "#", " #", "/")


def _pid(match: re.Match) -> str:
    return match.group(0).rstrip("0123456789") + "<pid>"


def _token(match: re.Match) -> str:
    kind = match.lastgroup
    if kind != "hex":
        return f"<{kind}>"
    word = match.group(0)
    if word.startswith(("0x", "0X")):
        return "<hex>"
    digits = sum(char.isdigit() for char in word)
    if 0 < digits < len(word) and (word.islower() or word.isupper()):
        return "<hex>"
    return word


# (rule, pattern, replacement, a text the rule needs): the order in which they
# run, which is also the README's table. A rule whose text is not in the log
# (compared in lower case) is skipped. Later rules see the tokens earlier ones
# wrote, none of which holds a digit or a hex word, so no rule takes another's
# token apart.
PASSES: list[tuple[str, re.Pattern, str | Callable[[re.Match], str], str]] = [
    ("temporary path", TEMPORARY_PATH, "<tmp>", "tmp/"),
    ("date and time with a day or month name", NAMED_DATE, "<time>", ""),
    ("UUID, date, time, duration, Unix time, hex id", WORD, _token, ""),
    ("PID", PID, _pid, "pid"),
    ("PID in brackets", BRACKETED_PID, "[<pid>]", "]:"),
]


def own_id_pattern(build_id: int) -> re.Pattern:
    """The build's id where it stands as one: ``#42``, ``build 42``, ``build_id=42``,
    ``BUILDTAIL_BUILD_ID=42``, ``/builds/42`` (any case); never a bare ``42``.
    Only the number matches: the word before it stays."""
    number = str(int(build_id))
    behind = [rf"(?<=(?<![\w&])#{number})"]
    behind += [
        rf"(?<=(?<!\w)(?i:{re.escape(word + separator)}){number})"
        for word in _ID_WORDS for separator in _ID_SEPARATORS
    ]
    return re.compile(rf"{number}\b(?:{'|'.join(behind)})")


def workspace_pattern(build_id: int) -> re.Pattern:
    """The build's workspace as the worker names it, with the path that leads to it:
    a directory ``<id>-`` plus the eight random characters ``tempfile.mkdtemp`` adds,
    wherever WORKSPACE_ROOT resolved to on the worker."""
    return re.compile(
        rf"/(?<![\w.~-]/)(?:[\w.+@~-]+/)*{int(build_id)}-[a-z0-9_]{{8}}(?![\w-])"
    )


def without_own_paths(text: str, build_id: int) -> str:
    """First step: colour codes removed, the build's workspace rewritten (before the
    temporary-path rule, as a workspace may lie under /tmp)."""
    if "\x1b" in text:
        text = ANSI.sub("", text)
    if f"/{int(build_id)}-" in text:
        text = workspace_pattern(build_id).sub("<workspace>", text)
    return text


def without_volatile(text: str) -> str:
    """Second step, the same for every build: the rules of ``PASSES``."""
    lowered = text.lower()
    for _rule, pattern, replacement, needs in PASSES:
        if needs in lowered:
            text = pattern.sub(replacement, text)
    return text


def without_own_id(text: str, build_id: int) -> str:
    """Last step: the build's own id."""
    return own_id_pattern(build_id).sub("<build>", text)


def normalise_text(text: str, build_id: int) -> str:
    """``text`` (lines joined by newlines) with the volatile parts of build
    ``build_id``'s log rewritten to tokens; it keeps its number of lines."""
    return without_own_id(without_volatile(without_own_paths(text, build_id)), build_id)


def normalise(lines: Sequence[str], build_id: int) -> list[str]:
    """``lines`` of build ``build_id``'s log, each rewritten as ``normalise_text`` does."""
    if not lines:
        return []
    return normalise_text("\n".join(lines), build_id).split("\n")
