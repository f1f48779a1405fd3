"""Writes hostile output as raw bytes: MODE huge (one 10 MB line) or binary."""

import os
import sys

out = sys.stdout.buffer
if os.environ["MODE"] == "huge":
    out.write(b"x" * 10_000_000 + b"\nafter\n")
else:
    out.write(b"bad \xff\xfe utf-8\n")
    out.write(b"nul \x00 byte\n")
    out.write(b"\x1b[2J\x1b[Hclear screen \x1b]0;title\x07\n")
    out.write(b"<script>alert(1)</script>\n")
    out.write(b"no newline at the end")
out.flush()
