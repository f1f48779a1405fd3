"""The gevent WSGI server that carries the pages, the API and the WebSocket viewers."""

from __future__ import annotations

import select
import socket

from flask import Flask
from gevent import pywsgi
from geventwebsocket.handler import WebSocketHandler

# pywsgi reads each connection through an 8 KB buffer that a WebSocket keeps
# for its whole life; viewers send little (subscribe, pings), so 1 KB does,
# and a thousand idle viewers cost about 7 MB less.
READ_BUFFER_BYTES = 1024
CLIENT_SOCKET = "buildtail.client_socket"


class ViewerHandler(WebSocketHandler):
    def __init__(self, sock, address, server, rfile=None):
        if rfile is None:
            rfile = sock.makefile("rb", READ_BUFFER_BYTES)
        super().__init__(sock, address, server, rfile)

    def get_environ(self):
        environ = super().get_environ()
        # A long response (log.txt?follow=1) looks at it to notice a client that left.
        environ[CLIENT_SOCKET] = self.socket
        return environ


def client_left(environ: dict) -> bool:
    """Whether the client of a long response has closed its connection: its socket
    reads as ended. (Not known outside gevent's server, as in Flask's test client.)"""
    sock = environ.get(CLIENT_SOCKET)
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


class ClosingAwareApp:
    """The WSGI application, plus the ``current_app.on_close`` that gevent-websocket
    calls when a WebSocket closes. Without it, gevent-websocket builds a new
    class for every call, and a soak of 6,000 viewers kept thousands of them."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.current_app = self

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)

    def on_close(self, *reason) -> None:
        """Socket.IO has already seen the disconnect; nothing more to do."""


def serve(app: Flask, host: str, port: int) -> None:
    """Serve until the process is stopped; WebSocket upgrades go to Socket.IO."""
    server = pywsgi.WSGIServer(
        (host, port), ClosingAwareApp(app), handler_class=ViewerHandler, log=None
    )
    server.serve_forever()
