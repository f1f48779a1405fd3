"""Print an AUTH_USERS entry: ``python -m app.auth NAME`` asks for the password;
with ``--password-stdin`` a provisioning script pipes it in instead."""

from __future__ import annotations

import getpass
import sys

from werkzeug.security import generate_password_hash


def main() -> int:
    """Print an AUTH_USERS entry: python -m app.auth NAME (the password is asked
    for; with --password-stdin, a provisioning script pipes it in instead)."""
    args = sys.argv[1:]
    from_stdin = "--password-stdin" in args
    names = [arg for arg in args if arg != "--password-stdin"]
    if len(names) != 1 or ":" in names[0] or "," in names[0] or names[0].startswith("-"):
        print("usage: python -m app.auth NAME [--password-stdin]   (NAME without ':' or ',')",
              file=sys.stderr)
        return 2
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("password: ")
        if password != getpass.getpass("again: "):
            print("the two passwords differ", file=sys.stderr)
            return 1
    if not password:
        print("the password is empty", file=sys.stderr)
        return 1
    print(f"{names[0]}:{generate_password_hash(password)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
