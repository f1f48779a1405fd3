"""Cutting output into lines: any bytes, cut into any chunks, give the same lines."""

from hypothesis import given, settings
from hypothesis import strategies as st

from app.output import LineSplitter, LogBudget, SecretMasker

MAX_LINE = 16


def reference_lines(data: bytes) -> list[str]:
    """One line at a time, the obvious way (no line too long)."""
    *pieces, tail = data.split(b"\n")
    pieces += [tail] if tail else []
    return [(p[:-1] if p.endswith(b"\r") else p).decode("utf-8", "replace") for p in pieces]


def fed_in_chunks(data: bytes, cuts: list[int], max_line: int) -> list[str]:
    splitter = LineSplitter(max_line_bytes=max_line)
    lines, position, index = [], 0, 0
    while position < len(data):
        size = cuts[index % len(cuts)]
        lines += splitter.feed(data[position : position + size])
        position += size
        index += 1
    return lines + splitter.finish()


output_bytes = st.lists(
    st.sampled_from([b"a", b"\n", b"\r", b"\r\n", "é".encode(), "€".encode(), b"\xff", b"\x00",
                     b"x" * 20]),
    max_size=60,
).map(b"".join)


chunk_sizes = st.lists(st.integers(min_value=1, max_value=40), min_size=1)


@settings(max_examples=300, deadline=None)
@given(output_bytes, chunk_sizes)
def test_lines_are_the_same_however_output_is_chunked(data, cuts):
    assert fed_in_chunks(data, cuts, 10_000) == reference_lines(data)


@settings(max_examples=300, deadline=None)
@given(output_bytes, chunk_sizes)
def test_long_lines_are_cut_the_same_however_output_is_chunked(data, cuts):
    lines = fed_in_chunks(data, cuts, MAX_LINE)
    assert lines == fed_in_chunks(data, [len(data) or 1], MAX_LINE)
    assert not any("\n" in line for line in lines)


def test_whole_chunks_split_like_single_lines():
    splitter = LineSplitter(max_line_bytes=100)
    lines = splitter.feed(b"one\r\ntwo\xff\n\nthree\rx\r\nfour")
    assert lines == ["one", "two\ufffd", "", "three\rx"]
    assert splitter.finish() == ["four"]


def test_budget_admits_whole_batches_by_their_utf8_size():
    budget = LogBudget(max_bytes=12)
    assert budget.admit(["éé", "a"], [1, 1]) == (["éé", "a"], [1, 1])  # 5 + 2 bytes
    lines, times = budget.admit(["bb", "cc"], [2, 3])
    assert lines[:1] == ["bb"] and "limit" in lines[1] and times == [2, 3]


def test_a_log_past_its_limit_keeps_its_head_and_its_last_lines():
    budget = LogBudget(max_bytes=30, tail_lines=3)
    written = []
    for number in range(1, 101):
        written += budget.admit([f"line {number}"], [number])[0]
    written += budget.finish(now_ms=999)[0]
    head = [f"line {n}" for n in range(1, 5)]  # 4 lines of 7 bytes fit in 30
    assert written[:4] == head and "held back" in written[4]
    assert written[5] == "[buildtail] 93 lines omitted; the last 3 lines follow"
    assert written[6:] == ["line 98", "line 99", "line 100"]
    assert budget.finish(now_ms=999) == ([], [])


def test_a_log_within_its_limit_gets_nothing_at_the_end():
    budget = LogBudget(max_bytes=100)
    budget.admit(["short"], [1])
    assert budget.finish(now_ms=5) == ([], [])


def test_secrets_are_masked_without_changing_the_line_count():
    masker = SecretMasker(["s3cr3t-value", "abc", "first\nlines"])  # "abc" is too short
    lines = ["a s3cr3t-value b", "abc stays", "first", "lines", "clean"]
    assert masker.mask(lines) == ["a *** b", "abc stays", "***", "***", "clean"]
    assert masker.mask(["nothing here"]) == ["nothing here"]
    assert SecretMasker([]).mask(["x"]) == ["x"]
