"""Default settings; every one can be overridden by an environment variable of the same name.

Nothing here reads the environment: ``app.settings.load_settings`` does that when
``create_app`` is called, so importing this module has no side effects.
"""

REDIS_URL = "redis://127.0.0.1:6379/0"
# With a rediss:// REDIS_URL: the CA that signed Redis's certificate (empty: the
# system's), and a client certificate and key for a Redis that asks for one.
REDIS_TLS_CA_FILE = ""
REDIS_TLS_CERT_FILE = ""
REDIS_TLS_KEY_FILE = ""
# "host:port,host:port": find the master through these sentinels (REDIS_URL then
# only gives the password, database and rediss:// for TLS).
REDIS_SENTINELS = ""
REDIS_SENTINEL_MASTER = "mymaster"
REDIS_SENTINEL_PASSWORD = ""
HOST = "127.0.0.1"
# The Socket.IO server's async mode: empty lets Flask-SocketIO choose (server.py
# asks for gevent; tests may ask for threading).
ASYNC_MODE = ""
PORT = 5000
# Comma-separated host names (each optionally with :port; ".example.com" takes its
# subdomains too) that requests may name in their Host header: pages, API and
# Socket.IO alike, so a page whose name rebinds to this machine is refused. Empty:
# localhost, 127.0.0.1 and [::1] on a loopback HOST; required on any other HOST.
TRUSTED_HOSTS = ""
# Empty means "random per start", which is only allowed on a loopback HOST.
SECRET_KEY = ""
RECIPES_FILE = "recipes.toml"
WORKSPACE_ROOT = "var/workspaces"
LOG_RETENTION_DAYS = 14
# Finished logs are also written, compressed, here; Redis keeps an archived
# log this long more, then pages and replays read the archive.
ARCHIVE_DIR = "var/archive"
ARCHIVE_KEEP_IN_REDIS_SECONDS = 3600
MAX_LINE_BYTES = 65536
MAX_LOG_BYTES = 67108864

# Worker batching: while output keeps coming, at most one batch per interval,
# each at most this many lines or bytes; the first line after a quiet spell goes at once.
FLUSH_INTERVAL_MS = 50
FLUSH_MAX_LINES = 5000
FLUSH_MAX_BYTES = 1048576

# A running build holds a lease that its worker renews (every sixth of it); a
# build whose lease has expired is failed as "worker lost" by the web process,
# within LEASE_SECONDS + 2 s.
LEASE_SECONDS = 6
CANCEL_GRACE_SECONDS = 5

# Socket replay and the polling API hand out at most this many lines, and this
# many bytes (but at least one line), at a time.
REPLAY_CHUNK_LINES = 5000
REPLAY_CHUNK_BYTES = 1048576
MAX_REQUEST_BYTES = 1048576

# Redis connections per process for requests and replays (the web process adds
# one pub/sub connection, whatever the number of viewers).
REDIS_POOL_SIZE = 2
MAX_SUBSCRIPTIONS_PER_CLIENT = 20
MAX_SOCKET_MESSAGE_BYTES = 65536
# Authentication (app/auth.py): any of the first three turns it on. AUTH_USERS is
# "name:hash,..." (hashes from `python -m app.auth NAME`), AUTH_PROXY_HEADER the
# header a trusted proxy sets to the user's name, API_TOKENS "name:token,...".
AUTH_USERS = ""
AUTH_PROXY_HEADER = ""
API_TOKENS = ""
# "public": anyone may watch builds; "authenticated": watching needs a user too.
AUTH_VIEWING = "public"
# server.py refuses to start without AUTH_USERS, AUTH_PROXY_HEADER or API_TOKENS
# even on a loopback HOST (behind a proxy on the same machine, say).
REQUIRE_AUTH = False
# Mark the session cookie Secure: set it when buildtail is served over TLS.
SECURE_COOKIES = False
# Comma-separated origins allowed to open Socket.IO connections; empty means same origin only.
SOCKETIO_ALLOWED_ORIGINS = ""
