"""Build state, logs and events in Redis: the only module that knows key and channel names.

Layout (``buildtail:`` prefix):

- ``next-id``               counter of build ids
- ``builds``                sorted set, every build id scored by itself (history)
- ``running``               set of ids of running builds (the lease check reads it)
- ``build:<id>``            hash, the build's state; ``uid`` is random and never repeats,
                            so whatever is stored outside Redis under ``<id>-<uid>`` is
                            this build's even when Redis lost its data and ids start again;
                            ``archive`` names the build's archive once it is written;
                            ``log_crc32`` is the CRC-32 of the first ``crc_lines`` lines
- ``build:<id>:lines``      list, one entry per log line: "<ms since epoch> <text>"
- ``build:<id>:annotations`` list, one JSON annotation per entry, in the order of
                            their lines; the hash counts them in ``errors``,
                            ``warnings`` and ``notices``
- ``build:<id>:steps``      hash, a step's header line number -> the step's latest
                            JSON record (a later record for a line replaces the earlier);
                            the build hash's ``steps`` says how many there are
- ``build:<id>:styles``     hash, block number k -> the terminal style (canonical SGR,
                            app/sgr.py) in effect after line k*1000, where block k
                            starts; only blocks entered with a style other than the
                            default: a reader starting anywhere folds at most 999 lines
- ``build:<id>:lease``      string with a TTL, renewed by the worker running the build
- ``build:<id>:events``     channel: ``lines`` batches (a JSON header line, then the
                            batch's entries, one per line) and JSON ``status`` changes
- ``events``                channel: JSON ``build`` records for every build created or changed
- ``to-archive``            set of ids of finished builds whose log is not archived yet
- ``latest``                hash, recipe name -> id of its newest build (for badges)
- ``recipe:<name>:builds``  sorted set, the recipe's build ids scored by themselves (its
                            history; pruned of expired builds when read, like ``builds``)
- ``recipe:<name>:durations`` list, the durations in ms of its newest succeeded builds,
                            newest first, at most DURATIONS_KEPT (for ``estimate_ms``)
- ``queued``                sorted set, ids of queued builds scored by themselves
                            (``queue_position`` is a rank in it)
- ``stats``                 hash of counters for /metrics: lines stored, builds finished by state

A log line is appended and published by one Lua script, so the list and the
channel can never disagree: whoever reads the list and then hears the channel
sees every line exactly once, in order, numbered by its list position. The
annotations and steps found in those lines are stored, counted and published
(in the batch's header) by the same script, so they never disagree either,
and so is the style index. Those keys expire with the lines list (``log_keys``).
"""

from __future__ import annotations

import bisect
import functools
import json
import re
import secrets
import signal
import time
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import redis

from app.output import MASK

PREFIX = "buildtail:"
NEXT_ID = PREFIX + "next-id"
HISTORY = PREFIX + "builds"
RUNNING = PREFIX + "running"
EVENTS = PREFIX + "events"
TO_ARCHIVE = PREFIX + "to-archive"
LATEST = PREFIX + "latest"
STATS = PREFIX + "stats"
QUEUE = PREFIX + "queued"
# How many succeeded builds' durations a recipe keeps for its estimate.
DURATIONS_KEPT = 20

QUEUED, RUNNING_STATE, SUCCEEDED, FAILED, CANCELLED = (
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
)
FINISHED_STATES = frozenset({SUCCEEDED, FAILED, CANCELLED})
# Annotation levels and the build hash's fields that count them.
ANNOTATION_COUNTS = {"error": "errors", "warning": "warnings", "notice": "notices"}

# KEYS: lines list, events channel, build hash, stats hash, annotations list,
# steps hash, styles hash.
# ARGV: the number the first line must get, the message header, the batch's
# entries joined by newlines (a line never holds one), the CRC-32 of the
# whole log once the batch is in (empty: leave it), the batch's annotations
# (JSON, joined by newlines), its steps (line number and JSON record, each on
# a line of its own), how many errors, warnings and notices it holds, and the
# style index's entries it completes (block number and style, each on a line).
# The list gets one element per entry; the channel gets the header, a newline
# and the entries (just the header for a batch of steps without lines); the
# hash gets the checksum with the line count it covers and the counts, in the
# same step. An append that was already applied (a retried write) changes nothing.
APPEND_SCRIPT = """
if redis.call('HGET', KEYS[3], 'state') ~= 'running' then
  return -2
end
local length = redis.call('LLEN', KEYS[1])
local first = tonumber(ARGV[1])
if length ~= first - 1 then
  local _, newlines = string.gsub(ARGV[3], '\\n', '')
  if length >= first + newlines then
    return -1
  end
  return redis.error_reply('BEHIND ' .. length .. ': line ' .. first .. ' does not follow it')
end
-- Store the newline-separated entries of text with command (RPUSH, or HSET of
-- field/value pairs), 4000 arguments a call; returns how many there were.
local function store_entries(command, key, text)
  local batch, size, count = {}, 0, 0
  for entry in string.gmatch(text, '[^\\n]+') do
    size = size + 1
    batch[size] = entry
    if size == 4000 then
      redis.call(command, key, unpack(batch))
      count, batch, size = count + size, {}, 0
    end
  end
  if size > 0 then
    redis.call(command, key, unpack(batch, 1, size))
    count = count + size
  end
  return count
end
local count = store_entries('RPUSH', KEYS[1], ARGV[3])
if ARGV[3] ~= '' then
  redis.call('PUBLISH', KEYS[2], ARGV[2] .. '\\n' .. ARGV[3])
else
  redis.call('PUBLISH', KEYS[2], ARGV[2])
end
redis.call('HINCRBY', KEYS[4], 'lines', count)
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[3], 'log_crc32', ARGV[4], 'crc_lines', length + count)
end
if ARGV[5] ~= '' then
  store_entries('RPUSH', KEYS[5], ARGV[5])
  local names = {'errors', 'warnings', 'notices'}
  for index = 1, 3 do
    if ARGV[6 + index] ~= '0' then
      redis.call('HINCRBY', KEYS[3], names[index], ARGV[6 + index])
    end
  end
end
if ARGV[6] ~= '' then
  store_entries('HSET', KEYS[6], ARGV[6])
  redis.call('HSET', KEYS[3], 'steps', redis.call('HLEN', KEYS[6]))
end
if ARGV[10] ~= '' then
  store_entries('HSET', KEYS[7], ARGV[10])
end
return length + count
"""


class NotRunning(Exception):
    """The build is no longer running (cancelled, or failed as lost): stop writing."""


class LogBehind(Exception):
    """Redis holds fewer lines than the worker wrote: a failover to a replica
    lost the newest. ``length`` is how many it holds."""

    def __init__(self, build_id: int, length: int) -> None:
        super().__init__(f"build {build_id}: Redis holds only its first {length} lines")
        self.length = length


def build_key(build_id: int) -> str:
    return f"{PREFIX}build:{build_id}"


def lines_key(build_id: int) -> str:
    return f"{PREFIX}build:{build_id}:lines"


def annotations_key(build_id: int) -> str:
    return f"{PREFIX}build:{build_id}:annotations"


def steps_key(build_id: int) -> str:
    return f"{PREFIX}build:{build_id}:steps"


def styles_key(build_id: int) -> str:
    return f"{PREFIX}build:{build_id}:styles"


def log_keys(build_id: int) -> tuple[str, str, str, str]:
    """The keys that hold a build's log and what was found in it; they expire together."""
    return lines_key(build_id), annotations_key(build_id), steps_key(build_id), styles_key(build_id)


def recipe_builds_key(recipe: str) -> str:
    return f"{PREFIX}recipe:{recipe}:builds"


def recipe_durations_key(recipe: str) -> str:
    return f"{PREFIX}recipe:{recipe}:durations"


def lease_key(build_id: int) -> str:
    return f"{PREFIX}build:{build_id}:lease"


def build_channel(build_id: int) -> str:
    return f"{PREFIX}build:{build_id}:events"


def build_id_of_channel(channel: str) -> int | None:
    """The build id a per-build channel belongs to, or None for other channels."""
    head, _, rest = channel.partition(f"{PREFIX}build:")
    if head or not rest.endswith(":events"):
        return None
    number = rest[: -len(":events")]
    return int(number) if number.isascii() and number.isdigit() else None


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def encode_entries(lines: Sequence[str], times: Sequence[int]) -> str:
    """Entries joined by newlines. Times never decrease within a batch and most
    lines share their read's time, so each run of one time is joined in one step."""
    runs = []
    start, count = 0, len(lines)
    while start < count:
        stamp = times[start]
        end = max(start + 1, bisect.bisect_right(times, stamp, start))
        prefix = f"{stamp} "
        runs.append(prefix + ("\n" + prefix).join(lines[start:end]))
        start = end
    return "\n".join(runs)


def decode_entries(entries: Iterable[bytes | str]) -> tuple[list[str], list[int]]:
    """Split stored entries into the line texts and their print times."""
    lines, times = [], []
    for entry in entries:
        if isinstance(entry, bytes):
            entry = entry.decode("utf-8", "replace")
        stamp, _, text = entry.partition(" ")
        lines.append(text)
        times.append(int(stamp) if stamp.isascii() and stamp.isdigit() else 0)
    return lines, times


def log_crc32(lines: Iterable[str], crc: int = 0) -> int:
    """CRC-32 of lines as ``log.txt`` serves them (UTF-8, each ended by a newline),
    continued from ``crc``: a reader compares it with the build's ``log_crc32``."""
    lines = list(lines)
    if not lines:
        return crc
    return text_crc32("\n".join(lines), crc)


def text_crc32(text: str, crc: int = 0) -> int:
    """``log_crc32`` of lines already joined by newlines (at least one line)."""
    # surrogatepass: a client's copy may hold what no stored line does; its
    # checksum then differs, which is the truth, rather than failing.
    return zlib.crc32((text + "\n").encode("utf-8", "surrogatepass"), crc)


def decode_event(raw: bytes | str) -> dict[str, Any]:
    """A message from a build's channel as a dict; ``lines`` batches get ``lines`` and ``times``."""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    header, newline, body = raw.partition("\n")
    event = json.loads(header)
    if event.get("type") == "lines":
        event["lines"], event["times"] = decode_entries(body.split("\n") if newline else [])
    return event


def _text(value: bytes | str | None) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def build_json(fields: dict, lines: int) -> dict[str, Any]:
    """The public build record (SPEC section 4) from the stored hash."""
    get = {_text(key): _text(value) for key, value in fields.items()}.get
    # A finished build records its line count: its list may expire before it does.
    lines = max(lines, int(get("lines") or 0))
    exit_code = get("exit_code")
    try:
        params = json.loads(get("params") or "{}")
    except ValueError:
        params = {}
    build = {
        "id": int(get("id")),
        "recipe": get("recipe"),
        "params": params,
        "state": get("state"),
        "reason": get("reason") or None,
        "exit_code": int(exit_code) if exit_code not in (None, "") else None,
        "created_at": get("created_at"),
        "started_at": get("started_at") or None,
        "finished_at": get("finished_at") or None,
        "lines": lines,
    }
    if get("cancelled_by"):
        build["cancelled_by"] = get("cancelled_by")
    if get("started_by"):
        build["started_by"] = get("started_by")
    if build["state"] == RUNNING_STATE and get("estimate_ms"):
        build["estimate_ms"] = int(get("estimate_ms"))
    if build["exit_code"] is not None and build["exit_code"] < 0:
        build["signal"] = signal_name(-build["exit_code"])
    if build["state"] in FINISHED_STATES:
        build["log_crc32"] = _finished_crc(get, lines)
    build["annotations"] = {
        level: int(get(name) or 0) for level, name in ANNOTATION_COUNTS.items()
    }
    return build


def parse_iso(text: str | None) -> datetime | None:
    """A stored ISO-8601 UTC time, or None for none or one that cannot be read."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def duration_ms(started_at: str | None, finished_at: str | None) -> int | None:
    """Milliseconds from start to finish, or None unless both are known."""
    start, end = parse_iso(started_at), parse_iso(finished_at)
    if start is None or end is None:
        return None
    return max(0, round((end - start).total_seconds() * 1000))


def median(values: Sequence[int]) -> int | None:
    """The middle value (the mean of the two middle ones for an even count), or None."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return round((ordered[middle - 1] + ordered[middle]) / 2)


def signal_name(number: int) -> str:
    """``SIGTERM`` for 15: the words for a command's negative exit code."""
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _finished_crc(get, lines: int) -> int | None:
    """The worker's checksum of the whole log, or None where it does not cover
    every line (a build recorded before checksums existed)."""
    if get("crc_lines") in (None, ""):
        return 0 if lines == 0 else None  # the checksum of nothing
    return int(get("log_crc32")) if int(get("crc_lines")) == lines else None


def create_build(
    client: redis.Redis, recipe: str, params: dict[str, str], secret: Iterable[str] = (),
    started_by: str | None = None,
) -> dict[str, Any]:
    """Record a new queued build; its id exists before any task is queued.

    The values of ``secret`` parameters are kept apart from the public record,
    which shows them as ``***`` wherever it goes (API, pages, channels).
    ``started_by`` is the signed-in user who asked for it, if any.
    """
    build_id = int(client.incr(NEXT_ID))
    secret = set(secret) & set(params)
    public = {name: MASK if name in secret else value for name, value in params.items()}
    fields = {
        "id": build_id,
        "uid": secrets.token_hex(8),
        "recipe": recipe,
        "params": json.dumps(public, sort_keys=True),
        "secret_params": json.dumps({name: params[name] for name in secret}),
        "state": QUEUED,
        "created_at": now_iso(),
    }
    if started_by:
        fields["started_by"] = started_by
    build = build_json(fields, 0)
    with client.pipeline(transaction=True) as pipe:
        pipe.hset(build_key(build_id), mapping=fields)
        pipe.zadd(HISTORY, {build_id: build_id})
        pipe.zadd(recipe_builds_key(recipe), {build_id: build_id})
        pipe.zadd(QUEUE, {build_id: build_id})
        pipe.hset(LATEST, recipe, build_id)
        pipe.publish(EVENTS, json.dumps({"type": "build", "build": build}))
        pipe.execute()
    return build


def run_params(client: redis.Redis, build_id: int) -> dict[str, str]:
    """Every parameter's real value, secret ones included: for the worker only."""
    public, secret = client.hmget(build_key(build_id), "params", "secret_params")
    values = json.loads(public or "{}")
    values.update(json.loads(secret or "{}"))
    return values


def get_build(client: redis.Redis, build_id: int) -> dict[str, Any] | None:
    # One transaction: the hash's checksum and the list's length agree.
    with client.pipeline(transaction=True) as pipe:
        pipe.hgetall(build_key(build_id))
        pipe.llen(lines_key(build_id))
        pipe.zrank(QUEUE, build_id)
        fields, lines, rank = pipe.execute()
    return _with_position(build_json(fields, lines), rank) if fields else None


def _with_position(build: dict[str, Any], rank: int | None) -> dict[str, Any]:
    """A queued build's 1-based place among the queued ones."""
    if build["state"] == QUEUED and rank is not None:
        build["queue_position"] = int(rank) + 1
    return build


def stats(client: redis.Redis, queues: Iterable[str]) -> dict[str, int]:
    """Counters since Redis began (lines stored, builds finished by state), and
    the running builds and the tasks waiting in Celery's ``queues`` now."""
    counters = {_text(k): int(v) for k, v in client.hgetall(STATS).items()}
    with client.pipeline(transaction=False) as pipe:
        pipe.scard(RUNNING)
        for queue in queues:
            pipe.llen(queue)  # Celery's Redis transport keeps a queue as a list
        running, *waiting = pipe.execute()
    counters["running"], counters["queued"] = int(running), sum(int(n) for n in waiting)
    return counters


def latest_build(client: redis.Redis, recipe: str) -> dict[str, Any] | None:
    """The newest build of a recipe, while it is kept."""
    build_id = _text(client.hget(LATEST, recipe))
    return get_build(client, int(build_id)) if build_id else None


def list_builds(client: redis.Redis, limit: int, before: int | None = None) -> list[dict[str, Any]]:
    """Newest first; ``before`` pages back through history. Expired builds are pruned."""
    return history_page(client, limit, before)[0]


def history_page(
    client: redis.Redis, limit: int, before: int | None = None, recipe: str | None = None
) -> tuple[list[dict[str, Any]], int | None]:
    """Up to ``limit`` builds below id ``before``, newest first, of every recipe or
    of ``recipe`` only, and the id to read on from (None once history is read to
    its start). Builds that expired are pruned from the history they were in."""
    key = HISTORY if recipe is None else recipe_builds_key(recipe)
    top = "+inf" if before is None else f"({before}"
    ids = [int(i) for i in client.zrevrangebyscore(key, top, "-inf", start=0, num=limit)]
    with client.pipeline(transaction=False) as pipe:
        for build_id in ids:
            pipe.hgetall(build_key(build_id))
            pipe.llen(lines_key(build_id))
            pipe.zrank(QUEUE, build_id)
        replies = pipe.execute()
    builds, expired = [], []
    for build_id, fields, lines, rank in zip(
        ids, replies[::3], replies[1::3], replies[2::3], strict=True
    ):
        if fields:
            builds.append(_with_position(build_json(fields, lines), rank))
        else:
            expired.append(build_id)
    if expired:
        with client.pipeline(transaction=False) as pipe:
            pipe.zrem(HISTORY, *expired)
            pipe.zrem(QUEUE, *expired)
            if recipe is not None:
                pipe.zrem(key, *expired)
            pipe.execute()
    return builds, (ids[-1] if len(ids) == limit and ids else None)


def recipe_estimate_ms(client: redis.Redis, recipe: str) -> int | None:
    """The median duration of the recipe's newest succeeded builds, or None without any."""
    durations = client.lrange(recipe_durations_key(recipe), 0, DURATIONS_KEPT - 1)
    return median([int(value) for value in durations])


def line_count(client: redis.Redis, build_id: int) -> int:
    return int(client.llen(lines_key(build_id)))


def read_lines(
    client: redis.Redis, build_id: int, after: int, limit: int
) -> tuple[list[str], list[int]]:
    """Lines ``after``+1 .. ``after``+``limit`` (fewer at the end of the log)."""
    if limit <= 0:
        return [], []
    return decode_entries(read_entries(client, build_id, after, limit))


def read_entries(client: redis.Redis, build_id: int, after: int, limit: int) -> list[bytes]:
    """Stored entries ``after``+1 .. ``after``+``limit``, as Redis holds them."""
    return client.lrange(lines_key(build_id), after, after + limit - 1)


@dataclass
class StoredLog:
    """A read of a build's log: the entries Redis holds, or, when it holds no
    list any more, what the build's record says of its archive."""

    entries: list[bytes]
    in_redis: bool
    archive: str | None = None
    uid: str | None = None


def read_stored(client: redis.Redis, build_id: int, after: int, limit: int) -> StoredLog:
    """Entries ``after``+1 .. ``after``+``limit`` and where the rest of the log lives,
    in one round trip."""
    with client.pipeline(transaction=True) as pipe:
        pipe.lrange(lines_key(build_id), after, after + max(limit, 1) - 1)
        pipe.exists(lines_key(build_id))
        pipe.hmget(build_key(build_id), "archive", "uid")
        entries, exists, (archive, uid) = pipe.execute()
    return StoredLog(entries[:limit], bool(exists), _text(archive) or None, _text(uid) or None)


@dataclass
class StoredMarks:
    """A read of the annotations or steps found in a build's log: from Redis, or,
    when Redis no longer holds them, what the build's record says of its archive."""

    items: list[dict[str, Any]]
    total: int
    in_redis: bool
    archive: str | None = None
    uid: str | None = None


def read_stored_annotations(
    client: redis.Redis, build_id: int, after: int, limit: int
) -> StoredMarks:
    """Annotations ``after``+1 .. ``after``+``limit`` and their total, in one round trip."""
    key = annotations_key(build_id)
    with client.pipeline(transaction=True) as pipe:
        pipe.lrange(key, after, after + limit - 1)
        pipe.llen(key)
        pipe.hmget(build_key(build_id), "archive", "uid", *ANNOTATION_COUNTS.values())
        entries, total, (archive, uid, *counts) = pipe.execute()
    # No list: there were none, or it expired with the log, which its archive keeps.
    in_redis = bool(total) or not any(int(count or 0) for count in counts)
    return StoredMarks([json.loads(entry) for entry in entries], int(total), in_redis,
                       _text(archive) or None, _text(uid) or None)


def read_stored_steps(client: redis.Redis, build_id: int) -> StoredMarks:
    """Every step's latest record, in the order of their lines."""
    with client.pipeline(transaction=True) as pipe:
        pipe.hgetall(steps_key(build_id))
        pipe.hmget(build_key(build_id), "archive", "uid", "steps")
        records, (archive, uid, count) = pipe.execute()
    steps = sorted((json.loads(record) for record in records.values()),
                   key=lambda step: step["line"])
    in_redis = bool(steps) or not int(count or 0)
    return StoredMarks(steps, len(steps), in_redis, _text(archive) or None, _text(uid) or None)


def read_all_marks(client: redis.Redis, build_id: int, chunk: int) -> Iterable[list[bytes]]:
    """For the archiver: the steps' records as Redis holds them, then the
    annotations, ``chunk`` at a time."""
    yield [record for _, record in sorted(
        client.hgetall(steps_key(build_id)).items(), key=lambda item: int(item[0]))]
    start = 0
    while entries := client.lrange(annotations_key(build_id), start, start + chunk - 1):
        yield entries
        start += len(entries)


@dataclass
class StoredStyle:
    """A read of the style index's entry for a block (``""``: the default style),
    and where the log lives, as ``StoredLog`` says it."""

    style: str
    in_redis: bool
    archive: str | None = None
    uid: str | None = None


def read_stored_style(client: redis.Redis, build_id: int, block: int) -> StoredStyle:
    """The style entering ``block`` by the index, and where the log lives, in one round trip."""
    with client.pipeline(transaction=True) as pipe:
        pipe.hget(styles_key(build_id), block)
        pipe.exists(lines_key(build_id))
        pipe.hmget(build_key(build_id), "archive", "uid")
        style, exists, (archive, uid) = pipe.execute()
    return StoredStyle(_text(style) or "", bool(exists), _text(archive) or None,
                       _text(uid) or None)


def read_all_styles(client: redis.Redis, build_id: int) -> dict[int, str]:
    """For the archiver: the whole style index (one entry per 1,000 lines at most)."""
    stored = client.hgetall(styles_key(build_id))
    return {int(block): _text(style) for block, style in stored.items()}


def archive_facts(client: redis.Redis, build_id: int) -> dict[str, str | None]:
    """What the archiver names and checks the archive by: uid, checksum, line count."""
    names = ("uid", "log_crc32", "crc_lines", "lines", "state")
    values = client.hmget(build_key(build_id), *names)
    return {name: _text(value) for name, value in zip(names, values, strict=True)}


def mark_archived(client: redis.Redis, build_id: int, name: str) -> bool:
    """Record the archive's name in the build, unless the build has expired meanwhile."""
    return bool(_mark_archived_script(client)(keys=[build_key(build_id)], args=[name]))


MARK_ARCHIVED_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'archive', ARGV[1])
return 1
"""


@functools.lru_cache(maxsize=16)
def _mark_archived_script(client: redis.Redis):
    return client.register_script(MARK_ARCHIVED_SCRIPT)


def claim_archive_job(client: redis.Redis) -> int | None:
    """Take one finished build to archive; each is handed to one web process."""
    build_id = client.spop(TO_ARCHIVE)
    return None if build_id is None else int(build_id)


def return_archive_job(client: redis.Redis, build_id: int) -> None:
    client.sadd(TO_ARCHIVE, build_id)


def shorten_log_ttl(client: redis.Redis, build_id: int, seconds: int) -> None:
    """Let an archived log, with what was found in it, leave Redis sooner than its
    build (never later)."""
    keys = log_keys(build_id)
    with client.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.ttl(key)
        ttls = pipe.execute()
    with client.pipeline(transaction=True) as pipe:
        for key, ttl in zip(keys, ttls, strict=True):
            if ttl == -1 or ttl > seconds:
                pipe.expire(key, seconds)
        pipe.execute()


def append_lines(
    client: redis.Redis,
    build_id: int,
    first: int,
    lines: Sequence[str],
    times: Sequence[int],
    replicas: int = 0,
    replica_wait_ms: int = 0,
    crc: int | None = None,
    annotations: Sequence[dict[str, Any]] = (),
    steps: Sequence[dict[str, Any]] = (),
    styles: Mapping[int, str] | None = None,
) -> tuple[int, bool]:
    """Append lines numbered ``first``.. and publish them, in one atomic step.

    ``crc`` is the checksum of the whole log once these lines are in; the
    build records it with the line count it covers. ``annotations`` and
    ``steps`` are what was found in these lines (steps: the records of those
    they opened or changed); they are stored, counted and published with
    them. Steps may come without lines (those the log's end closed).
    ``styles`` are the style index's entries these lines complete (block
    number -> the style entering it), stored in the same step.
    Returns the log's length, and whether ``replicas`` replicas hold the
    append (always True with none asked for): WAIT goes down the same
    connection as the append, which is the only way it covers that write.
    Idempotent: retrying an append that Redis already applied changes nothing.
    Raises NotRunning once the build has been finished by someone else, and
    LogBehind when Redis lacks lines before ``first``.
    """
    if not lines and not steps:
        return first - 1, True
    pipe = client.pipeline(transaction=False)
    _append_script(client)(
        keys=[lines_key(build_id), build_channel(build_id), build_key(build_id), STATS,
              annotations_key(build_id), steps_key(build_id), styles_key(build_id)],
        args=[*_append_args(first, lines, times, crc, annotations, steps),
              "\n".join(f"{block}\n{style}" for block, style in (styles or {}).items())],
        client=pipe,
    )
    if replicas:
        pipe.execute_command("WAIT", replicas, replica_wait_ms)
    try:
        answers = pipe.execute()
    except redis.ResponseError as error:
        behind = re.search(r"BEHIND (\d+)", str(error))
        if behind:
            raise LogBehind(build_id, int(behind.group(1))) from None
        raise
    result = int(answers[0])
    if result == -2:
        raise NotRunning(build_id)
    replicated = not replicas or int(answers[1]) >= replicas
    return (first - 1 + len(lines) if result == -1 else result), replicated


def _append_args(
    first: int, lines: Sequence[str], times: Sequence[int], crc: int | None,
    annotations: Sequence[dict[str, Any]], steps: Sequence[dict[str, Any]],
) -> list[Any]:
    """APPEND_SCRIPT's ARGV; the header names annotations and steps only when there are some."""
    header: dict[str, Any] = {"type": "lines", "first": first}
    if annotations:
        header["annotations"] = annotations
    if steps:
        header["steps"] = steps
    counts = dict.fromkeys(ANNOTATION_COUNTS, 0)
    for annotation in annotations:
        counts[annotation["level"]] += 1
    return [first, json.dumps(header), encode_entries(lines, times) if lines else "",
            "" if crc is None else crc,
            "\n".join(json.dumps(annotation) for annotation in annotations),
            "\n".join(f"{step['line']}\n{json.dumps(step)}" for step in steps),
            *counts.values()]


@functools.lru_cache(maxsize=16)
def _append_script(client: redis.Redis):
    return client.register_script(APPEND_SCRIPT)


def transition(
    client: redis.Redis,
    build_id: int,
    from_states: Iterable[str],
    changes: dict[str, Any],
    *,
    retention_seconds: int | None = None,
    lease_seconds: int | None = None,
) -> dict[str, Any] | None:
    """Change a build's state only if it is in one of ``from_states``.

    Returns the new build record, or None when the build is unknown or in
    another state. The change is published on the build's channel (after every
    line appended before it) and on the global channel, in one transaction.
    """
    allowed, state = set(from_states), changes.get("state")
    key, lines = build_key(build_id), lines_key(build_id)

    def attempt(pipe: redis.client.Pipeline) -> dict[str, Any] | None:
        fields = {_text(k): _text(v) for k, v in pipe.hgetall(key).items()}
        if not fields or fields.get("state") not in allowed:
            return None
        update = _with_estimate(pipe, fields, changes)
        fields.update({name: "" if value is None else str(value) for name, value in update.items()})
        build = build_json(fields, int(pipe.llen(lines)))
        pipe.multi()
        pipe.hset(key, mapping={k: "" if v is None else v for k, v in update.items()})
        if state != QUEUED:
            pipe.zrem(QUEUE, build_id)
        if state == SUCCEEDED:
            _record_duration(pipe, build)
        pipe.publish(build_channel(build_id), json.dumps({"type": "status", "build": build}))
        pipe.publish(EVENTS, json.dumps({"type": "build", "build": build}))
        if state == RUNNING_STATE:
            pipe.sadd(RUNNING, build_id)
            if lease_seconds:
                pipe.set(lease_key(build_id), "1", ex=lease_seconds)
        if state in FINISHED_STATES:
            pipe.hset(key, "lines", build["lines"])
            pipe.srem(RUNNING, build_id)
            pipe.delete(lease_key(build_id))
            pipe.sadd(TO_ARCHIVE, build_id)
            pipe.hincrby(STATS, f"finished:{state}", 1)
            if retention_seconds:
                pipe.expire(key, retention_seconds)
                for log_key in log_keys(build_id):
                    pipe.expire(log_key, retention_seconds)
        return build

    return client.transaction(attempt, key, lines, value_from_callable=True)


def _with_estimate(
    client: redis.Redis, fields: dict[str, Any], changes: dict[str, Any]
) -> dict[str, Any]:
    """``changes``, and for a build that starts, the estimate of how long it will
    take, fixed at its start (empty without history)."""
    if changes.get("state") != RUNNING_STATE:
        return changes
    estimate = recipe_estimate_ms(client, fields.get("recipe") or "")
    return {**changes, "estimate_ms": estimate}


def _record_duration(pipe: redis.client.Pipeline, build: dict[str, Any]) -> None:
    """Keep a succeeded build's duration with its recipe's newest ones, for estimates."""
    took = duration_ms(build["started_at"], build["finished_at"])
    if took is not None and build["recipe"]:
        key = recipe_durations_key(build["recipe"])
        pipe.lpush(key, took)
        pipe.ltrim(key, 0, DURATIONS_KEPT - 1)


def finish_build(
    client: redis.Redis,
    build_id: int,
    state: str,
    *,
    retention_seconds: int,
    reason: str | None = None,
    exit_code: int | None = None,
    from_states: Iterable[str] = (RUNNING_STATE,),
) -> dict[str, Any] | None:
    """Move a build to its final ``state``, only from one of ``from_states``; its
    record and log then expire after ``retention_seconds``. Returns the record,
    or None when the build is unknown or was not in one of those states."""
    if state not in FINISHED_STATES:
        raise ValueError(f"{state!r} is not a final state")
    changes = {"state": state, "reason": reason, "exit_code": exit_code,
               "finished_at": now_iso()}
    return transition(client, build_id, from_states, changes,
                      retention_seconds=retention_seconds)


def request_cancel(client: redis.Redis, build_id: int, by: str | None = None) -> None:
    """Ask the worker running the build to stop it; it checks between batches.
    ``by`` is who asked (a signed-in user), kept for the build's record."""
    fields = {"cancel_requested": "1"}
    if by:
        fields["cancelled_by"] = by
    client.hset(build_key(build_id), mapping=fields)


def publish_partial(client: redis.Redis, build_id: int, line: int, text: str) -> None:
    """Tell viewers what line ``line`` shows so far, while it has no newline yet
    (a progress bar redrawn with carriage returns). Nothing is stored: the
    line itself is appended once it ends."""
    message = json.dumps({"type": "partial", "line": line, "text": text})
    client.publish(build_channel(build_id), message)


def cancel_requested(client: redis.Redis, build_id: int) -> bool:
    return client.hget(build_key(build_id), "cancel_requested") == b"1"


def renew_lease(client: redis.Redis, build_id: int, seconds: int) -> None:
    """Extend the running build's lease (a lapsed build has already been failed)."""
    client.set(lease_key(build_id), "1", ex=seconds)


def lapsed_builds(client: redis.Redis) -> list[int]:
    """Running builds whose worker stopped renewing the lease."""
    ids = [int(i) for i in client.smembers(RUNNING)]
    if not ids:
        return []
    with client.pipeline(transaction=False) as pipe:
        for build_id in ids:
            pipe.exists(lease_key(build_id))
        alive = pipe.execute()
    return [build_id for build_id, exists in zip(ids, alive, strict=True) if not exists]


def ping(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def worker_silence_ms(
    client: redis.Redis, build_ids: Sequence[int], lease_seconds: int
) -> dict[int, int]:
    """How long ago each running build's worker last renewed its lease, by Redis's
    clock (the lease's remaining time), so no clock of another machine is trusted."""
    with client.pipeline(transaction=False) as pipe:
        for build_id in build_ids:
            pipe.pttl(lease_key(build_id))
        remaining = pipe.execute()
    full = lease_seconds * 1000
    return {
        build_id: full if ttl < 0 else max(0, full - int(ttl))
        for build_id, ttl in zip(build_ids, remaining, strict=True)
    }
