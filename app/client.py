"""A Socket.IO client of the /builds namespace that sees messages in the order they came.

python-engineio's Client hands every message to a new thread, so two
``lines`` events can be handled out of order on a busy machine. This client
handles them on the thread that read them: the CLI and the tests use it.
"""

from __future__ import annotations

import engineio
import socketio


class InOrderEngineIO(engineio.Client):
    def _trigger_event(self, event, *args, **kwargs):
        if event == "message":
            kwargs.pop("run_async", None)
        return super()._trigger_event(event, *args, **kwargs)


class InOrderClient(socketio.Client):
    def _engineio_client_class(self):
        return InOrderEngineIO
