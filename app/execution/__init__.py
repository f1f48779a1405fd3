"""Running one build: a recipe's command in, numbered log lines and a final state out.

``execute_build`` is a plain function of a Redis client and a build id; the
Celery task only calls it, and tests call it directly. Its parts:

- ``lifecycle``: queued → running → a final state, in a fresh workspace
- ``watch``: the running command, its output batches, cancel and timeout
- ``log_writer``: numbering, the byte budget, the checksum, failover re-writes
- ``lease``: the lease a live worker keeps renewing
- ``environment``, ``outcome``, ``retry``: what the command sees, how it
  ended in words, riding out a Redis outage
"""

from app.execution.lifecycle import execute_build

__all__ = ["execute_build"]
