"""The style carried across lines: the shared table (tests/sgr_state_cases.json,
which app/static/src/sgr-state.js passes too) and the worker's block index."""

import json
import random
from pathlib import Path

import pytest

from app.sgr import STYLE_BLOCK_LINES, block_styles, style_after

CASES = json.loads((Path(__file__).parents[1] / "sgr_state_cases.json").read_text())


@pytest.mark.parametrize(("style", "line", "after"), CASES, ids=[repr(c[1])[:40] for c in CASES])
def test_shared_cases(style, line, after):
    assert style_after(style, line) == after


def test_the_table_covers_every_kind_of_parameter():
    assert len(CASES) >= 30
    lines = "".join(line for _, line, _ in CASES)
    for needed in ("38;5;", "48;2;", "38:2::", "38:2:1", "38:5:", "[>4;2m", "22m", "[m"):
        assert needed in lines, needed


def test_a_style_folds_line_by_line_as_over_the_lines_joined():
    lines = [line for _, line, _ in CASES]
    style = ""
    for line in lines:
        style = style_after(style, line)
    assert style == style_after("", "\n".join(lines))


def sample_log(count: int) -> list[str]:
    """Lines that set, change and reset styles now and then, over several blocks."""
    chooser = random.Random(16)
    codes = ["31", "1", "0", "4;38;5;208", "48;2;1;2;3", "22", "", "39;49", "7"]
    return [f"\x1b[{chooser.choice(codes)}mline {number}" if chooser.random() < 0.002
            else f"line {number}" for number in range(1, count + 1)]


def index_in_batches(lines: list[str], cuts: list[int]) -> dict[int, str]:
    index, style, first = {}, "", 1
    for start, end in zip([0, *cuts], [*cuts, len(lines)], strict=True):
        batch = lines[start:end]
        found, style = block_styles(style, first, batch, "\n".join(batch))
        index.update(found)
        first += len(batch)
    return index


def one_pass_index(lines: list[str]) -> dict[int, str]:
    """The index by definition: the style after line k*1000, line by line."""
    index, style = {}, ""
    for number, line in enumerate(lines, 1):
        style = style_after(style, line)
        if number % STYLE_BLOCK_LINES == 0 and style:
            index[number // STYLE_BLOCK_LINES] = style
    return index


def test_the_block_index_is_the_same_however_the_batches_split_the_blocks():
    lines = sample_log(7_500)
    expected = one_pass_index(lines)
    assert len(expected) >= 3 and len(expected) < 7, "the sample needs set and default blocks"
    assert index_in_batches(lines, []) == expected
    boundaries = [999, 1000, 1001, 2000, 2001, 3999, 4000, 4001]
    for cut in boundaries:  # a batch ends just before, at, or just after a block start
        assert index_in_batches(lines, [cut]) == expected, cut
    assert index_in_batches(lines, list(range(1, len(lines)))) == expected  # a line a batch
    chooser = random.Random(7)
    for _ in range(20):
        cuts = sorted(chooser.sample(range(1, len(lines)), chooser.randint(1, 40)))
        assert index_in_batches(lines, cuts) == expected, cuts


def test_a_batch_without_escapes_carries_a_style_over_every_block_it_spans():
    lines = ["plain"] * 2_500
    assert block_styles("\x1b[31m", 1, lines, "\n".join(lines)) == (
        {1: "\x1b[31m", 2: "\x1b[31m"}, "\x1b[31m")
    assert block_styles("", 1, lines, "\n".join(lines)) == ({}, "")
