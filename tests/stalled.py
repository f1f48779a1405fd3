"""Socket.IO over a raw WebSocket: any frame a client may send; a viewer that stops reading."""

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
    if len(payload) > 0xFFFF:
        header = bytes([0x81, 0x80 | 127]) + struct.pack("!Q", len(payload))
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + mask + masked


class RawSocket:
    """A Socket.IO client of /builds over a raw WebSocket: it sends any text frame,
    well-formed or not, and reads only when told to."""

    def __init__(self, url: str, receive_buffer: int | None = None) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.socket()
        if receive_buffer:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.connect((host, int(port)))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        self.read_until(b"0{")  # the handshake and Engine.IO's open packet
        self.send("40/builds,")
        self.read_until(b"40/builds,")

    def send(self, text: str) -> None:
        self.sock.sendall(_frame(text))

    def read_until(self, marker: bytes) -> bytes:
        seen = b""
        while marker not in seen:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            seen += chunk
        return seen

    def close(self) -> None:
        self.sock.close()


class StalledViewer(RawSocket):
    def __init__(self, url: str, build_id: int) -> None:
        # A small receive window makes the stall reach the server quickly.
        super().__init__(url, receive_buffer=4096)
        subscribe = json.dumps(["subscribe", {"build": build_id, "after": 0}])
        self.send("42/builds,1" + subscribe)
        # From here on nothing is read: the server's writes pile up.
