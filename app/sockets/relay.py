"""The process's single Redis pub/sub connection and the fan-out of its messages.

Why no viewer ever misses or repeats a line:

1. A worker appends a batch to the build's list and publishes it on the build's
   channel in one Lua script, so every line is published exactly once, after
   it is readable from the list, and line numbers are list positions.
2. ``subscribe`` waits until this process's pub/sub connection is subscribed to
   the build's channel, then registers the subscriber as *syncing* (its live
   messages are buffered), and only then reads the backlog from the list. Any
   line the backlog read did not return was appended after that read, so it is
   published after the subscriber was registered and reaches its buffer.
3. Each subscriber has a cursor, ``sent``: it is only ever sent line
   ``sent + 1`` onwards (``cursor.new_part``). Lines it has are dropped; a batch
   that would leave a gap (a message lost while Redis was away) sends the
   subscriber back to re-read the list from its cursor.

What rides along with live lines, and what does not count as one: a live
``lines`` event carries the batch's ``annotations`` and ``steps`` when the
worker's batch header has them (``messages.live_extras``); lines re-read from
the list or the archive carry none, the page asks the API for those. A batch
of no lines (the steps still open when a log ends) goes as a ``lines`` event
of no lines, to viewers that have every line before it. A ``partial`` message
(what line N shows before its newline, a progress bar) goes only to viewers
whose newest line is N-1 and who have nothing waiting: it is never buffered,
never counted and never moves a cursor. A message of no known shape is
logged and dropped, and the reader reads on.

Why a viewer is never told "live" while no line can come: every subscriber
gets a ``health`` event when it subscribes, every HEARTBEAT_SECONDS and at
once when this process loses or regains Redis, saying whether Redis answers
and, for a running build, how long its worker has not renewed its lease.
A page that hears nothing for a while knows its connection is not working.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import gevent
import gevent.event
import gevent.lock
import redis

from app import store
from app.archive import read_log
from app.background import guarded
from app.sockets.cursor import GAP, is_newer_state, new_part
from app.sockets.messages import LINES, PARTIAL, STATUS, kind_of, live_extras

log = logging.getLogger(__name__)

NAMESPACE = "/builds"
FOLLOWERS_ROOM = "builds"
SUBSCRIBE_TIMEOUT = 10.0
# A syncing subscriber buffers live messages up to this many lines or bytes;
# past that it drops the buffer and re-reads the list (which holds the same lines).
SYNC_BUFFER_LINES = 50_000
SYNC_BUFFER_BYTES = 8 * 1024 * 1024
IDLE_CHANNEL_SECONDS = 60.0
# A viewer whose Engine.IO queue holds more packets or bytes than this is not
# keeping up (a slow or stalled connection). It gets no more live batches,
# which would pile up in memory, and is caught up from the list as its queue
# drains. Bytes count too: a few packets of long lines can be megabytes.
MAX_QUEUED_PACKETS = 32
MAX_QUEUED_BYTES = 4 * 1024 * 1024
DRAIN_POLL_SECONDS = 0.05
HEARTBEAT_SECONDS = 2.0
# A worker renews its lease every second: this much silence is worth saying.
WORKER_SILENT_AFTER_MS = 3000


class SubscribeError(Exception):
    """A subscribe request that cannot be served; the message goes into the ack."""


@dataclass(eq=False)
class Subscription:
    sid: str
    build_id: int
    sent: int
    syncing: bool = True
    active: bool = True
    last_state: str | None = None
    pending: list[dict[str, Any]] = field(default_factory=list)
    pending_lines: int = 0
    pending_bytes: int = 0
    overflowed: bool = False


@dataclass(eq=False)
class Channel:
    build_id: int
    ready: gevent.event.Event = field(default_factory=gevent.event.Event)
    subs: dict[str, Subscription] = field(default_factory=dict)
    idle_since: float = 0.0
    # Followers of log.txt?follow=1 wait on ``news``; every message on the
    # channel sets it and puts a fresh one in its place.
    followers: int = 0
    news: gevent.event.Event = field(default_factory=gevent.event.Event)

    @property
    def idle(self) -> bool:
        return not self.subs and not self.followers

    def announce(self) -> None:
        """Wake the followers waiting on the channel's news."""
        news, self.news = self.news, gevent.event.Event()
        news.set()


class Relay:
    """Reads one pub/sub connection and emits to the Socket.IO clients of this process."""

    def __init__(self, socketio, client: redis.Redis, pubsub_client: redis.Redis, settings) -> None:
        self.socketio = socketio
        self.client = client
        self.pubsub_client = pubsub_client
        self.metrics = None  # set by create_app: lines relayed and relay lag
        self.chunk_lines = settings.REPLAY_CHUNK_LINES
        self.chunk_bytes = settings.REPLAY_CHUNK_BYTES
        self.lease_seconds = settings.LEASE_SECONDS
        self.redis_ok = True
        self.archive_dir = settings.ARCHIVE_DIR
        self.channels: dict[int, Channel] = {}
        self.by_sid: dict[str, dict[int, Subscription]] = {}
        self.pending_by_sid: dict[str, set[int]] = {}
        self.follower_count = 0
        self.pubsub = None
        self._started = False
        self._start_lock = gevent.lock.Semaphore()

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> None:
        """Start the reader and the idle-channel sweeper, once per process."""
        with self._start_lock:
            if self._started:
                return
            self._started = True
            try:
                self.pubsub = self._open_pubsub()
            except redis.RedisError as error:
                self.redis_ok = False
                log.warning("Redis is not reachable yet (%s); the relay will keep trying", error)
            self._spawn("relay", self._read_loop)
            self._spawn("idle-channel sweeper", self._sweep_loop)
            self._spawn("heartbeat", self._heartbeat_loop)

    def _spawn(self, name: str, loop, *args, alive=lambda: True) -> None:
        """Run ``loop`` in a greenlet that logs, counts and outlives its errors."""
        self.socketio.start_background_task(
            guarded, name, loop, *args, on_error=self._count_error, alive=alive
        )

    def _count_error(self, name: str) -> None:
        if self.metrics is not None:
            self.metrics.background_error(name)

    def _open_pubsub(self):
        pubsub = self.pubsub_client.pubsub()
        pubsub.subscribe(store.EVENTS, *(store.build_channel(b) for b in self.channels))
        return pubsub

    def _read_loop(self) -> None:
        backoff = 0.5
        while True:
            if self.pubsub is None:
                try:
                    self.pubsub = self._open_pubsub()
                    backoff = 0.5
                except redis.RedisError as error:
                    self._set_redis_ok(False)
                    log.warning("cannot reach Redis for pub/sub (%s); retrying in %.1fs",
                                error, backoff)
                    gevent.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
            try:
                message = self.pubsub.get_message(timeout=5.0)
            except (redis.ConnectionError, redis.TimeoutError, OSError) as error:
                # Re-subscribing makes every viewer re-read the list (see
                # _handle): lines published meanwhile were never heard.
                log.warning("pub/sub connection lost (%s); reconnecting", error)
                self._set_redis_ok(False)
                self._drop_pubsub()
                continue
            self._set_redis_ok(True)
            if message is not None:
                self._handle(message)

    def _drop_pubsub(self) -> None:
        old, self.pubsub = self.pubsub, None
        try:
            old.close()
        except Exception:  # the connection is already broken
            pass

    def _sweep_loop(self) -> None:
        while True:
            gevent.sleep(IDLE_CHANNEL_SECONDS / 2)
            self._sweep()

    def _sweep(self) -> None:
        """Unsubscribe channels nobody has watched for a while.

        Only channels whose subscription was confirmed are dropped, so the
        next confirmation for a channel always answers the latest SUBSCRIBE.
        """
        now = time.monotonic()
        idle = [
            c
            for c in self.channels.values()
            if c.idle and c.ready.is_set() and now - c.idle_since > IDLE_CHANNEL_SECONDS
        ]
        for channel in idle:
            del self.channels[channel.build_id]
        if idle and self.pubsub is not None:
            try:
                self.pubsub.unsubscribe(*(store.build_channel(c.build_id) for c in idle))
            except redis.RedisError as error:
                log.warning("could not unsubscribe idle channels: %s", error)

    # -- messages from Redis ------------------------------------------------

    def _handle(self, message: dict) -> None:
        kind = message["type"]
        name = message["channel"]
        name = name.decode() if isinstance(name, bytes) else name
        if kind == "message":
            try:
                data = store.decode_event(message["data"])
            except (ValueError, AttributeError):  # not JSON, or JSON but no object
                log.error("ignoring a malformed message on %s", name)
                return
            if name == store.EVENTS:
                if isinstance(data.get("build"), dict):
                    self.socketio.emit("build", data["build"], namespace=NAMESPACE,
                                       to=FOLLOWERS_ROOM)
                return
            channel = self.channels.get(store.build_id_of_channel(name))
            if channel is not None:
                self._dispatch(channel, data, name)
        elif kind == "subscribe":
            build_id = store.build_id_of_channel(name)
            channel = self.channels.get(build_id)
            if channel is None:
                return
            if channel.ready.is_set():
                # A re-subscription after a reconnect: messages may have been
                # published while we were away, so everyone re-reads the list.
                for sub in list(channel.subs.values()):
                    self._resync(sub)
                channel.announce()
            channel.ready.set()

    def _dispatch(self, channel: Channel, data: dict, name: str) -> None:
        kind = kind_of(data)
        if kind is None:
            log.warning("ignoring a message of no known shape on %s (type %.40r)",
                        name, data.get("type"))
        elif kind == PARTIAL:
            self._dispatch_partial(channel, data)
        elif kind == LINES:
            channel.announce()
            self._dispatch_lines(channel, data)
        elif kind == STATUS:
            channel.announce()
            for sub in list(channel.subs.values()):
                if sub.syncing:
                    self._buffer(sub, data, 0, 0)
                elif not self._deliver_status(sub, data["build"]):
                    self._resync(sub)

    def _dispatch_lines(self, channel: Channel, data: dict) -> None:
        first, lines, times = data["first"], data["lines"], data["times"]
        if not lines:
            self._dispatch_marks(channel, data)
            return
        if self.metrics is not None and times:
            self.metrics.relay_lag.observe(max(0.0, time.time() - times[-1] / 1000))
        in_step = []
        extras = live_extras(data, first)
        size = sum(map(len, lines))
        for sub in list(channel.subs.values()):
            if sub.syncing:
                self._buffer(sub, data, len(lines), size)
                continue
            if self._behind(sub.sid, 1):
                log.info("viewer %s fell behind on build %s; it will re-read the log",
                         sub.sid, channel.build_id)
                self._resync(sub)
                self._buffer(sub, data, len(lines), size)
                continue
            skip = new_part(sub.sent, first, len(lines))
            if skip is None:
                continue
            if skip == GAP:
                self._resync(sub)
            elif skip == 0:
                in_step.append(sub.sid)
                sub.sent = first + len(lines) - 1
            else:
                self._emit_lines(sub.sid, channel.build_id, first + skip, lines[skip:],
                                 times[skip:], live_extras(data, first + skip))
                sub.sent = first + len(lines) - 1
        if in_step:
            # One packet, encoded once, for every subscriber that was in step.
            self._emit_lines(in_step, channel.build_id, first, lines, times, extras)

    def _dispatch_marks(self, channel: Channel, data: dict) -> None:
        """A batch of no lines, only step records (the steps still open when the log
        ended): a ``lines`` event of no lines, to each viewer that has every line."""
        if not live_extras(data, data["first"]):
            return
        in_step = []
        for sub in list(channel.subs.values()):
            if sub.syncing:
                self._buffer(sub, data, 0, 0)
            elif sub.sent == data["first"] - 1:
                in_step.append(sub.sid)
            elif sub.sent < data["first"] - 1:
                self._resync(sub)
        if in_step:
            self._emit_lines(in_step, channel.build_id, data["first"], [], [],
                             live_extras(data, data["first"]))

    def _dispatch_partial(self, channel: Channel, data: dict) -> None:
        """What line N shows so far, to the viewers whose newest line is N-1 and who
        have nothing waiting: a progress state is only worth showing at once."""
        line = data["line"]
        to = [sub.sid for sub in channel.subs.values()
              if not sub.syncing and sub.sent == line - 1 and not self._behind(sub.sid, 2)]
        if to:
            payload = {"build": channel.build_id, "line": line, "text": data["text"]}
            self.socketio.emit("partial", payload, namespace=NAMESPACE, to=to)

    # -- subscribers ---------------------------------------------------------

    def subscribe(self, sid: str, build_id: int, after: int, limit: int) -> dict[str, Any]:
        """Register a subscriber and start its catch-up; returns the build record.

        A client holds at most ``limit`` subscriptions: its slot is taken before
        anything yields, so concurrent requests cannot all pass the check, and a
        build that does not exist is refused before any channel is opened.
        """
        with self._slot(sid, build_id, limit):
            try:
                build = store.get_build(self.client, build_id)
            except redis.RedisError as error:
                raise SubscribeError("the log service cannot reach Redis right now") from error
            if build is None:
                raise SubscribeError(f"build {build_id} does not exist")
            if after > build["lines"]:
                raise SubscribeError(
                    f"after={after} is beyond the end of build {build_id}'s log"
                    f" ({build['lines']} lines)"
                )
            channel = self._watch(build_id)
            if build_id not in self.pending_by_sid.get(sid, ()):
                raise SubscribeError("the client left while subscribing")
            self._remove(sid, build_id)
            sub = Subscription(sid, build_id, sent=after)
            channel.subs[sid] = sub
            self.by_sid.setdefault(sid, {})[build_id] = sub
        self._spawn("catch-up", self._catch_up, sub, alive=lambda: sub.active)
        return build

    @contextlib.contextmanager
    def _slot(self, sid: str, build_id: int, limit: int):
        """Hold one of the client's ``limit`` places while its subscribe is under way."""
        pending = self.pending_by_sid.setdefault(sid, set())
        held = set(self.by_sid.get(sid, {})) | pending
        if build_id in pending:
            raise SubscribeError(f"a subscribe to build {build_id} is already under way")
        if build_id not in held and len(held) >= limit:
            raise SubscribeError(f"at most {limit} subscriptions at once")
        pending.add(build_id)
        try:
            yield
        finally:
            pending.discard(build_id)
            if not pending and self.pending_by_sid.get(sid) is pending:
                del self.pending_by_sid[sid]

    @contextlib.contextmanager
    def following(self, build_id: int, limit: int):
        """The build's channel for a follower of its raw log, who waits on its ``news``
        instead of polling Redis; at most ``limit`` followers at once in this process."""
        if self.follower_count >= limit:
            raise SubscribeError(f"at most {limit} followers of raw logs at once; try later")
        self.follower_count += 1
        channel = None
        try:
            channel = self._watch(build_id)
            channel.followers += 1
            yield channel
        finally:
            self.follower_count -= 1
            if channel is not None:
                channel.followers -= 1
                if channel.idle:
                    channel.idle_since = time.monotonic()

    def unsubscribe(self, sid: str, build_id: int) -> bool:
        return self._remove(sid, build_id)

    def drop_client(self, sid: str) -> None:
        """Forget a client that left, with any subscribe of its still under way."""
        self.pending_by_sid.pop(sid, None)
        for build_id in list(self.by_sid.get(sid, {})):
            self._remove(sid, build_id)
        self.by_sid.pop(sid, None)

    def census(self) -> dict[str, int]:
        """How many subscribed clients, subscriptions and watched channels this process holds."""
        return {
            "followers": self.follower_count,
            "subscribers": len(self.by_sid),
            "subscriptions": sum(len(subs) for subs in self.by_sid.values()),
            "channels": len(self.channels),
        }

    def _watch(self, build_id: int) -> Channel:
        """The build's channel, once Redis confirms the pub/sub connection is subscribed."""
        channel = self.channels.get(build_id)
        if channel is None:
            channel = self.channels[build_id] = Channel(build_id)
            try:
                self.pubsub.subscribe(store.build_channel(build_id))
            except (redis.RedisError, AttributeError) as error:
                del self.channels[build_id]
                raise SubscribeError("the log service cannot reach Redis right now") from error
        if not channel.ready.wait(SUBSCRIBE_TIMEOUT):
            raise SubscribeError("the log service cannot reach Redis right now")
        return channel

    def _remove(self, sid: str, build_id: int) -> bool:
        sub = self.by_sid.get(sid, {}).pop(build_id, None)
        if sub is None:
            return False
        sub.active = False
        channel = self.channels.get(build_id)
        if channel is not None and channel.subs.get(sid) is sub:
            del channel.subs[sid]
            if channel.idle:
                channel.idle_since = time.monotonic()
        return True

    def _buffer(self, sub: Subscription, data: dict, lines: int, size: int) -> None:
        if sub.overflowed:
            return
        sub.pending.append(data)
        sub.pending_lines += lines
        sub.pending_bytes += size
        if sub.pending_lines > SYNC_BUFFER_LINES or sub.pending_bytes > SYNC_BUFFER_BYTES:
            sub.pending, sub.pending_lines, sub.pending_bytes = [], 0, 0
            sub.overflowed = True

    def _resync(self, sub: Subscription) -> None:
        if sub.syncing or not sub.active:
            return
        sub.syncing = True
        self._spawn("catch-up", self._catch_up, sub, alive=lambda: sub.active)

    def _catch_up(self, sub: Subscription) -> None:
        """Send the subscriber the list from its cursor on, then switch it to live messages."""
        sub.syncing = True  # also when the guard restarts this after an error
        backoff = 0.5
        while sub.active:
            sub.pending, sub.pending_lines, sub.pending_bytes = [], 0, 0
            sub.overflowed = False
            try:
                self._send_backlog(sub)
                build = store.get_build(self.client, sub.build_id)
            except redis.RedisError as error:
                log.warning("catch-up of build %s for %s: %s", sub.build_id, sub.sid, error)
                gevent.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if not sub.active or sub.overflowed:
                continue
            # From here to the switch nothing yields, so no live message can slip
            # between the buffered ones and the switch to live. A final status
            # that still owes lines waits: it is in the buffer or on its way.
            if build is not None:
                self._deliver_status(sub, build)
            if self._drain(sub):
                self._send_health({sub.build_id: [sub.sid]}, {sub.build_id: sub.last_state})
                return

    def _queued(self, sid: str) -> tuple[int, int]:
        """Packets waiting in the viewer's Engine.IO queue, and their size."""
        server = self.socketio.server
        eio_sid = server.manager.eio_sid_from_sid(sid, NAMESPACE)
        socket = server.eio.sockets.get(eio_sid) if eio_sid else None
        if socket is None:
            return 0, 0
        packets = list(socket.queue.queue)  # a handful: the limits below keep it short
        return len(packets), sum(len(p.data) for p in packets if p is not None and p.data)

    def _behind(self, sid: str, share: int) -> bool:
        """Whether the viewer's queue holds more than 1/``share`` of what one may."""
        packets, size = self._queued(sid)
        return packets > MAX_QUEUED_PACKETS // share or size > MAX_QUEUED_BYTES // share

    def _send_backlog(self, sub: Subscription) -> None:
        while sub.active:
            # Send no faster than the viewer reads: a stalled one holds at
            # most half a queue's worth of chunks, never the whole log.
            while sub.active and self._behind(sub.sid, 2):
                gevent.sleep(DRAIN_POLL_SECONDS)
            lines, times = read_log(self.client, self.archive_dir, sub.build_id, sub.sent,
                                    self.chunk_lines, self.chunk_bytes)
            if not lines or not sub.active:
                return
            self._emit_lines(sub.sid, sub.build_id, sub.sent + 1, lines, times)
            sub.sent += len(lines)

    def _drain(self, sub: Subscription) -> bool:
        """Apply the buffered messages; True when the subscriber is now live."""
        pending, sub.pending = sub.pending, []
        sub.pending_lines, sub.pending_bytes = 0, 0
        for data in pending:
            if data.get("type") == "status":
                if not self._deliver_status(sub, data["build"]):
                    return False
                continue
            first, lines, times = data["first"], data["lines"], data["times"]
            if not lines:  # step records only: for a viewer with every line before them
                if sub.sent < first - 1:
                    return False
                extras = live_extras(data, first)
                if sub.sent == first - 1 and extras:
                    self._emit_lines(sub.sid, sub.build_id, first, [], [], extras)
                continue
            skip = new_part(sub.sent, first, len(lines))
            if skip == GAP:
                return False
            if skip is not None:
                self._emit_lines(sub.sid, sub.build_id, first + skip, lines[skip:], times[skip:],
                                 live_extras(data, first + skip))
                sub.sent = first + len(lines) - 1
        sub.syncing = False
        return True

    def _deliver_status(self, sub: Subscription, build: dict) -> bool:
        """Send a status unless it is old news; False if it is final but lines are still owed."""
        if build["lines"] > sub.sent and build["state"] in store.FINISHED_STATES:
            return False
        if is_newer_state(build["state"], sub.last_state):
            sub.last_state = build["state"]
            self.socketio.emit("status", build, namespace=NAMESPACE, to=sub.sid)
        return True

    def _emit_lines(
        self, to, build_id: int, first: int, lines: list, times: list,
        extras: dict[str, list] | None = None,
    ) -> None:
        if self.metrics is not None:
            self.metrics.lines_relayed.inc(len(lines) * (len(to) if isinstance(to, list) else 1))
        payload = {"build": build_id, "first": first, "lines": lines, "times": times}
        if extras:
            payload.update(extras)
        self.socketio.emit("lines", payload, namespace=NAMESPACE, to=to)

    # -- health ------------------------------------------------------------------

    def _set_redis_ok(self, ok: bool) -> None:
        """Note whether Redis answers; viewers hear of a change at once."""
        if ok != self.redis_ok:
            self.redis_ok = ok
            self._send_health_to_all()

    def _heartbeat_loop(self) -> None:
        while True:
            gevent.sleep(HEARTBEAT_SECONDS)
            self._send_health_to_all()

    def _send_health_to_all(self) -> None:
        viewers = {
            build_id: [sid for sid in channel.subs if not self._behind(sid, 1)]
            for build_id, channel in self.channels.items()
            if channel.subs
        }
        states = {
            build_id: next((s.last_state for s in channel.subs.values() if s.last_state), None)
            for build_id, channel in self.channels.items()
        }
        self._send_health(viewers, states)

    def _send_health(self, viewers: dict[int, list[str]], states: dict[int, str | None]) -> None:
        """A ``health`` event for each build's viewers: Redis, and its worker's silence."""
        running = [b for b, sids in viewers.items() if sids and states.get(b) == "running"]
        silence: dict[int, int] = {}
        redis_ok = self.redis_ok
        if running and redis_ok:
            try:
                silence = store.worker_silence_ms(self.client, running, self.lease_seconds)
            except redis.RedisError:
                redis_ok = False
        for build_id, sids in viewers.items():
            if not sids:
                continue
            quiet = silence.get(build_id, 0)
            payload = {
                "build": build_id,
                "redis": "ok" if redis_ok else "unavailable",
                "worker_silent_seconds": round(quiet / 1000)
                if quiet >= WORKER_SILENT_AFTER_MS else None,
            }
            self.socketio.emit("health", payload, namespace=NAMESPACE, to=sids)
