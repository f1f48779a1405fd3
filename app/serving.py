"""The gevent WSGI server that carries the pages, the API and the WebSocket viewers."""

from __future__ import annotations

from flask import Flask
from gevent import pywsgi
from geventwebsocket.handler import WebSocketHandler

# pywsgi reads each connection through an 8 KB buffer that a WebSocket keeps
# for its whole life; viewers send little (subscribe, pings), so 1 KB does,
# and a thousand idle viewers cost about 7 MB less.
READ_BUFFER_BYTES = 1024


class ViewerHandler(WebSocketHandler):
    def __init__(self, sock, address, server, rfile=None):
        if rfile is None:
            rfile = sock.makefile("rb", READ_BUFFER_BYTES)
        super().__init__(sock, address, server, rfile)


def serve(app: Flask, host: str, port: int) -> None:
    """Serve until the process is stopped; WebSocket upgrades go to Socket.IO."""
    server = pywsgi.WSGIServer((host, port), app, handler_class=ViewerHandler, log=None)
    server.serve_forever()
