"""What a search finds in windows of stored entries: the text the page displays
(the table ansi.js passes too), plain text in any case or one, regexes, and
the searches that are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.logsearch.display import display_window, plain_text
from app.logsearch.matcher import QueryError, Search, check_query

CASES = json.loads((Path(__file__).parents[1] / "plain_text_cases.json").read_text())


def window(*texts: str | bytes) -> bytes:
    """Stored entries of ``texts``, each "<ms> <text>" ended by a newline."""
    return b"".join(b"%d " % (1_700_000_000_000 + n) + (t if isinstance(t, bytes) else
                    t.encode()) + b"\n" for n, t in enumerate(texts))


def found(query: str, *texts: str | bytes, **options: bool) -> list[tuple[int, int]]:
    return Search(query, **options).scan(window(*texts))


@pytest.mark.parametrize("raw, plain, why", CASES, ids=[case[2] for case in CASES])
def test_plain_text_is_the_twin_of_ansi_js(raw, plain, why):
    assert plain_text(raw) == plain


def test_a_window_displays_as_each_of_its_lines_alone():
    raws = [raw for raw, _plain, _why in CASES]
    shown = display_window(window(*raws)).decode().split("\n")[:-1]
    assert [line.partition(" ")[2] for line in shown] == [plain for _, plain, _ in CASES]
    assert [line.partition(" ")[0] for line in shown] == [
        str(1_700_000_000_000 + n) for n in range(len(raws))]


def test_colour_codes_inside_a_word_do_not_hide_it():
    texts = ("\x1b[1mer\x1b[0mror: one", "no match", "\x1b[31merror\x1b[0m and ERROR")
    assert found("error", *texts) == [(0, 1), (2, 2)]
    assert found("1merror", *texts) == []  # what the codes are made of is not text


def test_a_progress_line_is_searched_as_it_was_left():
    texts = ("needle 10%\rdone", "50%\rneedle found\r", "needle\r\r")
    assert found("needle", *texts) == [(1, 1), (2, 1)]
    assert found("10%", *texts) == []


def test_control_characters_are_found_as_their_symbols():
    texts = ("a bell\x07", "nul \x00 here", "C1 \xc2\x85".encode("latin-1"), "tab\there")
    assert found("\u2407", *texts) == [(0, 1)]
    assert found("\x07", *texts) == []
    assert found("\u2400 here", *texts) == [(1, 1)]
    assert found("tab\th", *texts) == [(3, 1)]
    assert found("\ufffd", *texts) == [(2, 1)]
    assert found("\ufffd", b"bad \xff byte", "good") == [(0, 1)]


def test_case_folds_as_the_page_does_and_only_when_asked():
    texts = ("Needle, NEEDLE and needle", "neeDLE", "Kelvin \u212a", "Caf\u00c9")
    assert found("needle", *texts) == [(0, 3), (1, 1)]
    assert found("needle", *texts, case=True) == [(0, 1)]
    assert found("NEEDLE", *texts, case=True) == [(0, 1)]
    # JavaScript's /k/i does not match the Kelvin sign; /é/i matches É.
    assert found("k", *texts) == [(2, 1)]
    assert found("caf\u00e9", *texts) == [(3, 1)]
    assert found("caf\u00e9", *texts, case=True) == []


def test_occurrences_do_not_overlap_and_stamps_are_no_text():
    assert found("aa", "aaaaa", "a") == [(0, 2)]
    assert found("0 fill", "filler", "0 fill") == [(1, 1)]
    assert found("1700", "filler") == []


def test_a_regex_sees_each_line_alone():
    texts = ("error at start", "an error", "xa", "b a b", "errors")
    assert found(r"^err\w*", *texts, regex=True) == [(0, 1), (4, 1)]
    assert found(r"a\s*b", *texts, regex=True) == [(3, 1)]  # not "xa" + "b" across lines
    assert found(r"\Aan", *texts, regex=True) == [(1, 1)]
    assert found(r"r$", *texts, regex=True) == [(1, 1)]
    assert found(r"ERR", *texts, regex=True) == [(0, 1), (1, 1), (4, 1)]
    assert found(r"ERR", *texts, regex=True, case=True) == []
    assert found(r"(?s).+", "one", "two") == []  # a plain query, not a regex
    assert found(r"(?s)o.", "one", "two", regex=True) == [(0, 1)]


def test_a_regex_reads_bad_utf8_as_the_page_shows_it():
    assert found(r"bad . byte", b"bad \xff byte", regex=True) == [(0, 1)]
    assert found(r"er+or", "\x1b[1mer\x1b[0mror", regex=True) == [(0, 1)]


@pytest.mark.parametrize("query, regex, message", [
    ("", False, "must not be empty"),
    ("x" * 201, False, "longer than 200"),
    ("two\nlines", False, "one line"),
    ("(", True, "RE2 cannot use"),
    (r"(a)\1", True, "RE2 cannot use"),
    ("a*", True, "empty text"),
    ("x|", True, "empty text"),
    (r"\b", True, "empty text"),
    ("^", True, "empty text"),
])
def test_searches_that_cannot_run_are_refused(query, regex, message):
    with pytest.raises(QueryError, match=message):
        check_query(query, regex, False)
    with pytest.raises(QueryError):
        Search(query, regex)


def test_a_regex_that_is_fine_alone_is_fine():
    check_query("x" * 200, False, False)
    check_query(r"(?i)needle\d+", True, True)
    check_query("a)(b", False, False)  # plain text: any characters


def test_windows_full_of_colour_codes_are_ruled_out_or_searched_exactly():
    colourful = [f"\x1b[32mok\x1b[0m step {n} \x1b[1;31mdone\x1b[0m" for n in range(50)]
    assert found("needle", *colourful) == []
    assert found("ok step 7 done", *colourful) == [(7, 1)]
    assert found("OK STEP 7", *colourful) == [(7, 1)]
    assert found("OK STEP 7", *colourful, case=True) == []
    assert found("n\u00e9e", "\x1b[1mN\x1b[0m\u00c9E") == [(0, 1)]
