#!/usr/bin/env bash
# Tries C3PO with two agents on one machine: a local Redis and coordinator in the background,
# then a Claude Code session with the plugin per agent, each in its own terminal. See --help.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
STATE=${C3PO_LOCAL_DIR:-$REPO/data/test-local}
PLUGIN=$REPO/apps/plugin
PORT=${C3PO_PORT:-8420}
REDIS_PORT=${C3PO_REDIS_PORT:-6390}

usage() {
  cat <<'EOF'
Usage: scripts/test-local.sh COMMAND

Try C3PO on one machine: a local Redis and coordinator, and two Claude Code agents.

Commands:
  start          build the coordinator, start redis-server and the coordinator in the background
  status         show whether they run, with the coordinator's /api/health answer
                 (exit 0 when both run and the coordinator is healthy, 3 otherwise)
  stop           stop them (SIGTERM: open waits are answered, Redis flushes its AOF); data is kept
  agent-a [ARGS] start Claude Code with the plugin as agent "agent-a" (ARGS go to claude)
  agent-b [ARGS] the same as agent "agent-b", in another terminal
  agent ID [ARGS]  the same with any agent ID

A try, in three terminals:
  scripts/test-local.sh start
  scripts/test-local.sh agent-a       # then: "ask agent-b which port the API uses"
  scripts/test-local.sh agent-b       # then: /coordinate, or "wait for requests"

Settings (read by start; the other commands use the ports start recorded):
  C3PO_PORT        coordinator port (default 8420)
  C3PO_REDIS_PORT  Redis port (default 6390, away from a system Redis on 6379)
  C3PO_LOCAL_DIR   pid files, logs and Redis data (default data/test-local)
  C3PO_SKIP_BUILD  1: use the existing build instead of running the (cached) build first
Any other coordinator variable (LOG_LEVEL, ...) is passed to the coordinator as set.
EOF
}

die() {
  printf 'test-local.sh: %s\n' "$1" >&2
  exit "${2:-1}"
}

need() { command -v "$1" >/dev/null 2>&1 || die "$1 was not found on PATH. $2"; }

pid_of() { cat "$STATE/$1.pid" 2>/dev/null || true; }
running() {
  local pid
  pid=$(pid_of "$1")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# The ports of the running setup, recorded by start, win over the environment afterwards: a
# later `stop` in a shell without C3PO_PORT must find the same processes.
load_ports() {
  if [ -f "$STATE/ports" ]; then read -r PORT REDIS_PORT <"$STATE/ports"; fi
}

url() { echo "http://127.0.0.1:$PORT"; }

# The same probe as the container's HEALTHCHECK: prints the health JSON, exit 0 only on 200.
health() { C3PO_PORT=$PORT node "$REPO/deploy/healthcheck.mjs" 2>/dev/null; }

port_free() {
  node -e 'const s = require("net").createServer();
s.once("error", () => process.exit(1));
s.listen(Number(process.argv[1]), "127.0.0.1", () => s.close(() => process.exit(0)));' "$1"
}

cmd_start() {
  need node 'Install Node.js 20.19 or later.'
  need redis-server 'Install Redis 7 or later (Debian/Ubuntu: sudo apt install redis-server; macOS: brew install redis).'
  need redis-cli 'It comes with Redis (Debian/Ubuntu: sudo apt install redis-tools).'
  mkdir -p "$STATE"
  if running coordinator; then
    load_ports
    echo "already running: coordinator $(url) (pid $(pid_of coordinator)), redis 127.0.0.1:$REDIS_PORT"
    return 0
  fi
  if [ "${C3PO_SKIP_BUILD:-}" != 1 ]; then
    echo "==> building the coordinator"
    (cd "$REPO" && TURBO_TELEMETRY_DISABLED=1 npx turbo run build --filter=@c3po/coordinator --output-logs=errors-only) ||
      die "the build failed (see above). Run npm install first on a fresh clone."
  fi
  [ -f "$REPO/apps/coordinator/dist/main.js" ] || die "there is no build in apps/coordinator/dist: run npm install && npm run build."

  if ! running redis; then
    port_free "$REDIS_PORT" || die "port $REDIS_PORT is in use. Set C3PO_REDIS_PORT to a free port."
    echo "==> starting redis-server on 127.0.0.1:$REDIS_PORT (data in $STATE)"
    # The durability settings of deploy/compose.yaml, so a local try behaves like the server.
    nohup redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$STATE" --save '' \
      --appendonly yes --appendfsync everysec --maxmemory-policy noeviction \
      >>"$STATE/redis.log" 2>&1 </dev/null &
    echo $! >"$STATE/redis.pid"
    local i
    for i in $(seq 1 50); do
      running redis || die "redis-server stopped at start; its log: $STATE/redis.log"
      # The PID check makes sure the answer comes from this redis-server, not another one.
      if redis-cli -p "$REDIS_PORT" info server 2>/dev/null | tr -d '\r' | grep -qx "process_id:$(pid_of redis)"; then break; fi
      [ "$i" -lt 50 ] || die "redis-server did not answer on port $REDIS_PORT; its log: $STATE/redis.log"
      sleep 0.2
    done
  fi

  port_free "$PORT" || die "port $PORT is in use. Stop what uses it, or set C3PO_PORT to a free port."
  echo "==> starting the coordinator on $(url)"
  REDIS_URL="redis://127.0.0.1:$REDIS_PORT" C3PO_HOST=127.0.0.1 C3PO_PORT=$PORT \
    nohup node "$REPO/apps/coordinator/dist/main.js" >>"$STATE/coordinator.log" 2>&1 </dev/null &
  echo $! >"$STATE/coordinator.pid"
  echo "$PORT $REDIS_PORT" >"$STATE/ports"
  for i in $(seq 1 150); do
    running coordinator || {
      tail -n 20 "$STATE/coordinator.log" >&2
      die "the coordinator stopped at start (its last log lines are above)."
    }
    if health >/dev/null; then break; fi
    [ "$i" -lt 150 ] || die "the coordinator did not answer $(url)/api/health within 30 s; its log: $STATE/coordinator.log"
    sleep 0.2
  done
  cat <<EOF
==> ready: coordinator $(url), redis 127.0.0.1:$REDIS_PORT
    logs: $STATE/coordinator.log
    now, in two more terminals: scripts/test-local.sh agent-a   and   scripts/test-local.sh agent-b
EOF
}

cmd_status() {
  load_ports
  local ok=0 body
  if running coordinator; then
    if body=$(health); then
      echo "coordinator: running at $(url) (pid $(pid_of coordinator)): $body"
    else
      echo "coordinator: running (pid $(pid_of coordinator)) but not healthy at $(url): ${body:-no answer}"
      ok=3
    fi
  else
    echo "coordinator: stopped"
    ok=3
  fi
  if running redis; then
    echo "redis: running at 127.0.0.1:$REDIS_PORT (pid $(pid_of redis)), data in $STATE"
  else
    echo "redis: stopped"
    ok=3
  fi
  return $ok
}

# SIGTERM, then SIGKILL after `grace` seconds.
stop_one() {
  local name=$1 grace=$2 pid i
  pid=$(pid_of "$name")
  if running "$name"; then
    kill -TERM "$pid"
    for i in $(seq 1 $((grace * 10))); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "$name (pid $pid) did not stop within ${grace}s: killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    echo "stopped $name (pid $pid)"
  fi
  rm -f "$STATE/$name.pid"
}

cmd_stop() {
  load_ports
  # The coordinator first, so it answers open waits while Redis is still there.
  stop_one coordinator 15
  stop_one redis 10
  rm -f "$STATE/ports"
  echo "nothing runs now; the data is kept in $STATE (delete it to start afresh)"
}

cmd_agent() {
  local id=$1
  shift
  need claude 'Install Claude Code: npm install -g @anthropic-ai/claude-code'
  load_ports
  health >/dev/null || die "no coordinator answers at $(url). Run scripts/test-local.sh start first."
  if [ ! -f "$PLUGIN/.claude-plugin/plugin.json" ]; then
    echo "test-local.sh: warning: $PLUGIN has no .claude-plugin/plugin.json; Claude Code will start without the C3PO plugin." >&2
  fi
  echo "==> Claude Code as $id, coordinator $(url)"
  C3PO_AGENT_ID=$id C3PO_COORDINATOR_URL=$(url) exec claude --plugin-dir "$PLUGIN" "$@"
}

main() {
  local cmd=${1:-}
  [ $# -eq 0 ] || shift
  case $cmd in
    -h | --help | help) usage ;;
    start | status | stop)
      [ $# -eq 0 ] || die "$cmd takes no arguments (got: $*)." 2
      "cmd_$cmd"
      ;;
    agent-a | agent-b) cmd_agent "$cmd" "$@" ;;
    agent)
      [ $# -gt 0 ] || die "agent needs an ID, e.g. scripts/test-local.sh agent laptop-api" 2
      cmd_agent "$@"
      ;;
    '')
      usage >&2
      exit 2
      ;;
    *) die "unknown command '$cmd'. Run scripts/test-local.sh --help for the list." 2 ;;
  esac
}

main "$@"
