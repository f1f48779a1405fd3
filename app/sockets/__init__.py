"""The ``/builds`` Socket.IO namespace and the relay that feeds it."""

from app.sockets.namespace import BuildsNamespace
from app.sockets.relay import NAMESPACE, Relay

__all__ = ["BuildsNamespace", "NAMESPACE", "Relay"]
