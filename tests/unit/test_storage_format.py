"""How a log is stored, pure of any server: the entries Redis holds, the channel's
messages, the archive's gzip members, and the relay's cursor over batches."""

from __future__ import annotations

import gzip
import json
import zlib

from hypothesis import given
from hypothesis import strategies as st

from app import archive, store
from app.sockets.cursor import GAP, new_part

# Any text a line may hold: everything but the newline that ends it.
line_text = st.text(st.characters(blacklist_characters="\n", blacklist_categories=["Cs"]),
                    max_size=40)


@given(st.lists(st.tuples(line_text, st.integers(0, 5)), max_size=30))
def test_entries_decode_to_the_lines_and_times_encoded(pairs):
    lines = [text for text, _ in pairs]
    times, stamp = [], 1_700_000_000_000
    for _, step in pairs:  # times never decrease within a batch
        stamp += step
        times.append(stamp)
    encoded = store.encode_entries(lines, times)
    entries = encoded.split("\n") if lines else []
    assert store.decode_entries(entries) == (lines, times)
    assert store.decode_entries(e.encode() for e in entries) == (lines, times)


def test_a_lines_message_carries_its_first_number_and_its_entries():
    body = store.encode_entries(["a", "b\rc"], [5, 6])
    event = store.decode_event(json.dumps({"type": "lines", "first": 7}) + "\n" + body)
    assert (event["first"], event["lines"], event["times"]) == (7, ["a", "b\rc"], [5, 6])
    assert store.decode_event(b'{"type": "status", "build": {}}') == {"type": "status",
                                                                     "build": {}}


@given(st.lists(line_text, max_size=50), st.integers(0, 60), st.integers(1, 60))
def test_the_log_checksum_is_zlibs_crc32_of_the_text_served(lines, cut, limit):
    served = "".join(line + "\n" for line in lines).encode()
    whole = store.log_crc32(lines)
    assert whole == zlib.crc32(served)
    cut = min(cut, len(lines))
    assert store.log_crc32(lines[cut:], store.log_crc32(lines[:cut])) == whole


def write_members(path, entries: list[bytes], block: int) -> dict:
    """An archive as the archiver lays it out: one gzip member per ``block`` entries."""
    offsets = []
    with open(path, "wb") as out:
        for start in range(0, len(entries), block):
            offsets.append(out.tell())
            out.write(gzip.compress(b"".join(e + b"\n" for e in entries[start:start + block])))
        offsets.append(out.tell())
    return {"build": 3, "uid": "0123456789abcdef", "block_lines": block, "offsets": offsets}


def test_the_archive_reads_back_any_range_and_only_for_its_own_build(tmp_path):
    entries = [f"{1000 + n} line {n}\r{n}".encode() for n in range(1, 251)]
    name = archive.archive_name(3, "0123456789abcdef")
    log_path, index_path = archive.paths(tmp_path, name)
    index_path.write_text(json.dumps(write_members(log_path, entries, block=40)))
    with gzip.open(log_path, "rb") as whole:  # zcat reads every member
        assert whole.read().count(b"\n") == 250
    for after, limit in [(0, 5), (38, 4), (39, 80), (245, 50)]:
        lines, times = archive.read_archive(tmp_path, name, 3, "0123456789abcdef", after, limit)
        expected = list(range(after + 1, min(after + limit, 250) + 1))
        assert lines == [f"line {n}\r{n}" for n in expected]
        assert times == [1000 + n for n in expected]
    lines, _ = archive.read_archive(tmp_path, name, 3, "0123456789abcdef", 0, 100, max_bytes=60)
    assert len(lines) == 4  # 17-byte entries: the most that fit in 60 bytes
    assert archive.read_archive(tmp_path, name, 3, "fedcba9876543210", 0, 5) is None
    assert archive.read_archive(tmp_path, name, 4, "0123456789abcdef", 0, 5) is None
    assert archive.read_archive(tmp_path, "../etc/passwd", 3, None, 0, 5) is None


@given(st.integers(0, 100), st.integers(1, 100), st.integers(1, 50))
def test_the_cursor_sends_each_line_once_and_never_past_a_gap(sent, first, count):
    skip = new_part(sent, first, count)
    last = first + count - 1
    if first > sent + 1:
        assert skip == GAP
    elif last <= sent:
        assert skip is None
    else:
        assert first + skip == sent + 1  # exactly the next line the subscriber needs
