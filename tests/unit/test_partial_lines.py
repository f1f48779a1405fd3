"""What an unfinished line shows while carriage returns redraw it (a progress bar),
before its newline: the splitter's view of it, its masking, and the reader's
rule that it belongs to the line after every line taken."""

import codecs
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from app.output import LineSplitter, SecretMasker
from app.runner import BatchLimits, OutputReader, start_command, stop_group
from tests.support import wait_until


def last_state(data: bytes) -> str | None:
    """The page's view of the unfinished line of ``data`` (ansi.js lastState), once
    decoded as far as its characters are whole."""
    unfinished = data.rsplit(b"\n", 1)[-1]
    if b"\r" not in unfinished:
        return None
    for state in reversed(unfinished.split(b"\r")):
        shown = codecs.getincrementaldecoder("utf-8")("replace").decode(state)
        if shown:
            return shown
    return None


def test_a_progress_bar_shows_its_newest_state():
    splitter = LineSplitter(max_line_bytes=100)
    assert splitter.feed(b"compiling\nDownloading") == ["compiling"]
    assert splitter.showing() is None  # an ordinary line shows when it ends
    splitter.feed(b"\r 10%\r 20%")
    assert splitter.showing() == " 20%"
    splitter.feed(b"\r")  # drawn then sent back to the start: the state stays
    assert splitter.showing() == " 20%"
    splitter.feed(b"\r\r")
    assert splitter.showing() == " 20%"
    assert splitter.feed(b"\r100%\nnext") == ["Downloading\r 10%\r 20%\r\r\r\r100%"]
    assert splitter.showing() is None


def test_a_state_cut_inside_a_character_waits_for_the_rest_of_it():
    splitter = LineSplitter(max_line_bytes=100)
    euro = "€".encode()
    splitter.feed(b"\rcost 5" + euro[:2])
    assert splitter.showing() == "cost 5"
    splitter.feed(euro[2:])
    assert splitter.showing() == "cost 5€"
    splitter.feed(b"\r\xff\xfe")  # bytes that are no UTF-8 at all show as U+FFFD
    assert splitter.showing() == "\ufffd\ufffd"
    splitter.feed(b"\r")
    splitter.feed(b"\r" + euro[:1])
    assert splitter.showing() == "\ufffd\ufffd"  # the last state with something to show


def test_only_empty_states_show_nothing():
    splitter = LineSplitter(max_line_bytes=100)
    splitter.feed(b"\r\r\r")
    assert splitter.showing() is None


output_bytes = st.lists(
    st.sampled_from([b"a", b"\n", b"\r", b"\r\n", "é".encode(), "€".encode(), b"\xff", b"50%"]),
    max_size=40,
).map(b"".join)


@settings(max_examples=300, deadline=None)
@given(output_bytes, st.lists(st.integers(min_value=1, max_value=20), min_size=1))
def test_whatever_the_chunks_the_state_shown_is_the_pages_view(data, cuts):
    splitter = LineSplitter(max_line_bytes=10_000)
    position, index = 0, 0
    while position < len(data):
        size = cuts[index % len(cuts)]
        splitter.feed(data[position : position + size])
        position += size
        index += 1
        assert splitter.showing() == last_state(data[:position])


def test_an_unfinished_state_is_masked_and_never_shows_the_start_of_a_secret():
    masker = SecretMasker(["s3cret-token"])
    assert masker.mask_unfinished("token s3cret-token 50%") == "token *** 50%"
    # A read that stopped halfway through the secret: its start is held back.
    assert masker.mask_unfinished("token s3cr") == "token "
    assert masker.mask_unfinished("token S3CRET-TO") == "token "
    assert masker.mask_unfinished("50%") == "50%"
    assert SecretMasker([]).mask_unfinished("token s3cr") == "token s3cr"


def test_the_state_belongs_to_the_line_after_every_line_taken():
    """While a line read before it waits to be taken, the state is not told: it
    would be taken for that line's."""
    script = ("import sys, time; sys.stdout.write('first\\n\\r 10%\\r 50%'); sys.stdout.flush();"
              " time.sleep(60)")
    process = start_command([sys.executable, "-c", script], ".", {})
    reader = OutputReader(process, LineSplitter(1000), BatchLimits())
    try:
        wait_until(lambda: reader._unfinished[1] == " 50%", 30, "the reader to look at the bar")
        assert reader.unfinished() is None  # "first" is not taken yet
        assert reader.take(0, 0).lines == ["first"]
        assert reader.unfinished() == " 50%"
    finally:
        stop_group(process, 1)
        reader.stop()
