"""JSON for Socket.IO packets: a payload that cannot be read becomes an event of its own.

python-socketio decodes a packet before any handler sees it, so JSON that is
not JSON, or is nested deeper than Python can parse, would only reach the
transport's error log, and the client would wait for an ack that never
comes. Read as the event ``malformed`` instead, it is answered and logged by
the namespace like any other bad input.
"""

from __future__ import annotations

import json
from typing import Any

MALFORMED_EVENT = "malformed"

dumps = json.dumps


def loads(text: str | bytes, *args: Any, **kwargs: Any) -> Any:
    try:
        return json.loads(text, *args, **kwargs)
    except RecursionError:
        return [MALFORMED_EVENT, "the message is nested too deeply"]
    except ValueError:
        return [MALFORMED_EVENT, "the message is not JSON"]
