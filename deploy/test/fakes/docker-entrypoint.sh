#!/bin/sh
# Stands in for the redis image's docker-entrypoint.sh in the Compose tests: the real one runs its
# arguments (redis-server and its flags) as the redis user; this one runs them as they are, on the
# test's own port and data dir, never Redis's default port.
set -eu
exec "$@" --port "$FAKE_REDIS_PORT" --bind 127.0.0.1 --dir "$FAKE_REDIS_DIR"
