"""A Socket.IO viewer over a raw WebSocket that subscribes and then never reads again."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct


def _frame(text: str) -> bytes:
    """One masked text frame, as a client must send it."""
    payload = text.encode()
    mask = os.urandom(4)
    header = bytes([0x81])
    if len(payload) < 126:
        header += bytes([0x80 | len(payload)])
    else:
        header += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + mask + masked


class StalledViewer:
    def __init__(self, url: str, build_id: int) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.socket()
        # A small receive window makes the stall reach the server quickly.
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.connect((host, int(port)))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        self._read_until(b"0{")  # the handshake and Engine.IO's open packet
        self.sock.sendall(_frame("40/builds,"))
        self._read_until(b"40/builds,")
        subscribe = json.dumps(["subscribe", {"build": build_id, "after": 0}])
        self.sock.sendall(_frame("42/builds,1" + subscribe))
        # From here on nothing is read: the server's writes pile up.

    def _read_until(self, marker: bytes) -> None:
        seen = b""
        while marker not in seen:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            seen += chunk

    def close(self) -> None:
        self.sock.close()
