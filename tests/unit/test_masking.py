"""Secret masking: exact, case, base64 and escape-split copies; never a line more or less."""

from __future__ import annotations

import base64
import binascii

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import output
from app.output import HIDDEN, MASK, SecretMasker

SECRET = "s3cr3t-Token_value7"  # 19 characters: its base64 has padding


def masked(line: str, *secrets: str) -> str:
    [result] = SecretMasker(list(secrets or [SECRET])).mask([line])
    return result


def test_exact_copies_are_masked_and_colours_elsewhere_kept():
    assert masked(f"token={SECRET}.") == "token=***."
    assert masked(f"\x1b[32mok\x1b[0m {SECRET}") == "\x1b[32mok\x1b[0m ***"
    assert masked("\x1b[32mnothing secret\x1b[0m") == "\x1b[32mnothing secret\x1b[0m"


@pytest.mark.parametrize("split", [
    "\x1b[31m",  # a colour, as grep --color puts around a match
    "\x1b[0m\x1b[1;38;5;208m",  # several, 256 colours
    "\x1b[38:2::255:0:0m",  # colon-separated true colour
    "\x1b[K",  # erase to the end of the line
    "\x1b[?25l",  # a private mode
    "\x1b]0;title\x07",  # a window title (OSC ended by BEL)
    "\x1b]8;;https://example.com\x1b\\",  # a hyperlink (OSC ended by ST)
    "\x1b(B",  # a character set
    "\x00",  # NUL, which `builds tail` drops
    "\x7f",  # DEL
    "\u009b",  # a C1 control (CSI)
])
def test_a_copy_that_escapes_or_controls_split_is_masked_without_them(split):
    line = f"token={SECRET[:5]}{split}{SECRET[5:]}!"
    assert masked(line) == "token=***!"


def test_a_split_copy_after_a_carriage_return_is_masked():
    line = f"progress 10%\rdone: {SECRET[:3]}\x1b[1m{SECRET[3:]}\x1b[0m"
    assert masked(line) == "progress 10%\rdone: ***"


def test_only_the_line_with_a_split_copy_loses_its_colours():
    lines = ["\x1b[32mgreen\x1b[0m", f"{SECRET[:4]}\x1b[31m{SECRET[4:]}", "\x1b[1mbold\x1b[0m"]
    assert SecretMasker([SECRET]).mask(lines) == [lines[0], MASK, lines[2]]


def test_split_copies_are_found_on_the_right_lines_of_a_batch():
    lines = [
        "ééé",
        "\x1b[1mé\x1b[0m",
        f"x{SECRET[:3]}\x1b[2m{SECRET[3:]}",
        "plain",
        SECRET[:16],  # the start of a copy only: stored as it is
        f"é{SECRET.upper()[:5]}\x00{SECRET.upper()[5:]}",
        "\x1b[32mlast\x1b[0m",
    ]
    expected = [lines[0], lines[1], "x***", "plain", SECRET[:16], "é***", lines[6]]
    assert SecretMasker([SECRET]).mask(lines) == expected


def test_upper_and_lower_case_copies_are_masked():
    assert masked(f"{SECRET.upper()} {SECRET.lower()}") == "*** ***"
    assert masked(f"{SECRET.upper()[:6]}\x1b[33m{SECRET.upper()[6:]}") == MASK


@pytest.mark.parametrize("encode", [base64.b64encode, base64.urlsafe_b64encode])
def test_base64_copies_of_the_secret_alone_are_masked_whole(encode):
    data = SECRET.encode()
    padded = encode(data).decode()
    assert padded.endswith("=")  # the padded and unpadded forms differ
    assert masked(f"a {padded} b") == "a *** b"
    assert masked(f"a {padded.rstrip('=')} b") == "a *** b"
    # `echo $TOKEN | base64` encodes the newline too.
    echoed = encode(data + b"\n").decode()
    assert masked(f"a {echoed} b") == "a *** b"


@pytest.mark.parametrize("prefix", [b"user:", b"user1:", b"user12:"])  # the 3 alignments
@pytest.mark.parametrize("encode", [base64.b64encode, base64.urlsafe_b64encode])
def test_a_secret_inside_a_longer_base64_text_is_masked_at_each_alignment(prefix, encode):
    blob = encode(prefix + SECRET.encode() + b"@host").decode()
    line = masked(f"Authorization: Basic {blob}")
    assert MASK in line
    # What is left of the blob (the characters that also encode the text
    # around the secret) no longer decodes to it.
    left = line.removeprefix("Authorization: Basic ").split(MASK)
    for part in left:
        assert len(part) < len(blob) - len(SECRET)


def test_a_secret_with_url_safe_characters_differs_in_its_two_base64_forms():
    secret = "\xff\xfe>>>??"  # encodes to + and / in standard base64
    standard = base64.b64encode(secret.encode()).decode()
    url_safe = base64.urlsafe_b64encode(secret.encode()).decode()
    assert standard != url_safe
    assert masked(f"{standard} {url_safe}", secret) == "*** ***"


def test_a_multi_line_secret_is_masked_line_by_line_and_as_base64():
    key = "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnz\n-----END KEY-----"
    lines = key.split("\n") + [base64.b64encode(key.encode()).decode(), "after"]
    result = SecretMasker([key]).mask(lines)
    assert result == [MASK, MASK, MASK, MASK, "after"]


def test_values_under_four_characters_are_not_masked():
    assert masked("abc ABC YWJj", "abc") == "abc ABC YWJj"


def test_the_line_count_never_changes():
    masker = SecretMasker([SECRET, "second\nsecret-line"])
    lines = [SECRET, "", f"x{SECRET[:2]}\x1b[1m{SECRET[2:]}", "second", "secret-line", "plain"]
    assert len(masker.mask(lines)) == len(lines)


def test_what_masking_does_not_catch():
    """The limits the README states: these copies are stored as printed."""
    data = SECRET.encode()
    not_caught = [
        binascii.hexlify(data).decode(),  # hex
        SECRET[:-1],  # a partial copy
        SECRET.swapcase(),  # mixed case other than all upper or all lower
        SECRET[:8] + "\u200b" + SECRET[8:],  # a zero-width space
        " ".join(SECRET),  # characters spaced out
        base64.b32encode(data).decode(),  # other encodings
        SECRET[::-1],
    ]
    for line in not_caught:
        assert masked(line) == line
    # A secret split across two lines stays split.
    assert SecretMasker([SECRET]).mask([SECRET[:9], SECRET[9:]]) == [SECRET[:9], SECRET[9:]]


def test_masking_still_works_when_the_finder_cannot_be_built(monkeypatch):
    monkeypatch.setattr(output, "FINDER_MAX_MEM", 1000)
    masker = SecretMasker([SECRET])
    assert masker.finder is None
    assert masker.mask(["ok", f"{SECRET[:3]}\x1b[31m{SECRET[3:]}", SECRET.upper()]) == [
        "ok", MASK, MASK
    ]


def test_no_secrets_leaves_the_very_same_lines():
    lines = ["a", "\x1b[31mb\x1b[0m"]
    assert SecretMasker([]).mask(lines) is lines
    assert SecretMasker(["abc"]).mask(lines) is lines
    assert SecretMasker([SECRET]).mask(lines) is lines


SPLITTERS = ["\x1b[31m", "\x1b[0m", "\x1b]0;t\x07", "\x00", "\x1b[K", "\u0085", "\x1b(B"]
# A lone ESC as well: it takes the character after it along, for every viewer.
HIDDEN_BITS = st.sampled_from([*SPLITTERS, "\x1b"])
TEXT_BITS = st.sampled_from(["a", "s3cr", "3t-T", "oken", "_value7", " ", "\r", "é", "S3CR3T", "="])
VARIANTS = [
    SECRET, SECRET.upper(), SECRET.lower(),
    base64.b64encode(SECRET.encode()).decode(),
    base64.urlsafe_b64encode(b"ab" + SECRET.encode()).decode(),
]


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_copy_split_anywhere_is_never_stored(data):
    variant = data.draw(st.sampled_from(VARIANTS))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(variant)), max_size=4)))
    line, start = data.draw(TEXT_BITS), 0
    for cut in cuts:
        line += variant[start:cut] + data.draw(st.sampled_from(SPLITTERS))
        start = cut
    line += variant[start:] + data.draw(TEXT_BITS)
    masker = SecretMasker([SECRET])
    [stored] = masker.mask([line])
    assert MASK in stored
    assert not masker.holds_secret(stored)
    assert not masker.holds_secret(HIDDEN.sub("", stored))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.one_of(HIDDEN_BITS, TEXT_BITS), max_size=20), min_size=1, max_size=5))
def test_no_stored_line_shows_a_secret_once_escapes_are_dropped(pieces):
    lines = ["".join(line) for line in pieces]
    masker = SecretMasker([SECRET])
    result = masker.mask(lines)
    assert len(result) == len(lines)
    for line in result:
        assert not masker.holds_secret(line)
        assert not masker.holds_secret(HIDDEN.sub("", line))
