"""Log format for the server process."""

from __future__ import annotations

import logging
import os


def configure_logging() -> None:
    """Timestamped lines on stderr; LOG_LEVEL picks the level (INFO by default)."""
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
