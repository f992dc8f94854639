#!/usr/bin/env bash
# Deploys the C3PO coordinator to a Docker host (home server, NAS) over ssh. See --help and
# docs/deploy.md. Every remote step is one `ssh HOST 'command'`, so nothing but ssh, Docker and
# Compose is needed on the host.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)

usage() {
  cat <<'EOF'
Usage: scripts/deploy.sh [--help] COMMAND [ARGS]

Deploy the C3PO coordinator and its Redis to a Docker host reached over ssh.

Commands:
  full           build, then deploy, then status (the usual upgrade)
  build          copy the sources the image needs to the host (tar over ssh) and build the
                 image there, for the host's own CPU
  push           send an image built on this machine: docker save | ssh HOST docker load.
                 Build it for the host's platform first, e.g. on an arm64 laptop:
                   docker buildx build --platform linux/amd64 -f deploy/Dockerfile \
                     -t c3po-coordinator:latest --load .
  deploy         docker compose up -d on the host, then wait until the coordinator is healthy
  status         containers and the coordinator's /api/health answer
  logs [ARGS]    docker compose logs --tail 200 [ARGS], e.g. `logs -f` or `logs redis`
  stop           stop the containers (the Redis data volume is kept)

Settings, from the environment or from deploy.env in the repository root (KEY=value lines;
the environment wins; DEPLOY_CONFIG=path reads another file):
  DEPLOY_HOST            ssh destination, e.g. me@nas.local or a Host of ~/.ssh/config (required)
  DEPLOY_DIR             directory on the host, relative to the ssh user's home (default: c3po)
  DEPLOY_IMAGE           image name (default: c3po-coordinator:latest)
  DEPLOY_ENV_FILE        a local .env to install as DIR/deploy/.env on deploy (default: keep
                         the host's own; create it from deploy/.env.example)
  DEPLOY_HEALTH_TIMEOUT  seconds to wait for a healthy coordinator (default: 120)

Examples:
  DEPLOY_HOST=me@nas.local scripts/deploy.sh full
  scripts/deploy.sh logs -f coordinator
EOF
}

die() {
  printf 'deploy.sh: %s\n' "$1" >&2
  exit "${2:-1}"
}

# Quotes one word for the remote shell, which may be sh or dash: '...' with ' as '\''.
q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# Reads KEY=value lines of deploy.env for the DEPLOY_* settings that the environment leaves
# unset. Parsed, not sourced, so the file cannot run code and the environment keeps priority.
load_config() {
  local file=${DEPLOY_CONFIG:-$REPO/deploy.env} line key value
  if [ -n "${DEPLOY_CONFIG:-}" ] && [ ! -f "$file" ]; then
    die "DEPLOY_CONFIG=$file does not exist."
  fi
  [ -f "$file" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    case $line in '' | '#'*) continue ;; esac
    key=${line%%=*}
    value=${line#*=}
    value=${value%\"}
    value=${value#\"}
    value=${value%\'}
    value=${value#\'}
    case $key in
      DEPLOY_HOST | DEPLOY_DIR | DEPLOY_IMAGE | DEPLOY_ENV_FILE | DEPLOY_HEALTH_TIMEOUT)
        if [ -z "${!key:-}" ]; then printf -v "$key" '%s' "$value"; fi
        ;;
      *) die "$file: unknown setting '$key' (expected DEPLOY_HOST, DEPLOY_DIR, DEPLOY_IMAGE, DEPLOY_ENV_FILE or DEPLOY_HEALTH_TIMEOUT)." ;;
    esac
  done <"$file"
}

HOST='' DIR='' IMAGE='' HEALTH_TIMEOUT=''
settings() {
  load_config
  HOST=${DEPLOY_HOST:-}
  DIR=${DEPLOY_DIR:-c3po}
  DIR=${DIR#\~/} # ssh commands start in the home directory; a quoted ~ would not expand.
  IMAGE=${DEPLOY_IMAGE:-c3po-coordinator:latest}
  HEALTH_TIMEOUT=${DEPLOY_HEALTH_TIMEOUT:-120}
  case $HEALTH_TIMEOUT in
    '' | *[!0-9]*) die "DEPLOY_HEALTH_TIMEOUT must be a number of seconds, not '$HEALTH_TIMEOUT'." ;;
  esac
}

# The files the Dockerfile copies, plus the Compose file and the settings template. Test files
# are left out; nothing else from the laptop (node_modules, dist, .env files) is sent.
BUILD_FILES=(
  package.json package-lock.json tsconfig.base.json
  libs/protocol/package.json libs/protocol/tsconfig.json libs/protocol/tsconfig.build.json
  libs/protocol/src
  apps/coordinator/package.json apps/coordinator/tsconfig.json apps/coordinator/tsconfig.build.json
  apps/coordinator/src apps/coordinator/scripts
  deploy/Dockerfile deploy/healthcheck.mjs deploy/compose.yaml deploy/.env.example
)
# What `deploy` needs on the host when the image arrives by `push`.
COMPOSE_FILES=(deploy/compose.yaml deploy/.env.example)

# Runs a command on the host. `remote` passes this script's stdin on (for tar and docker load);
# `run` does not, so that a poll loop never swallows what is typed in the terminal.
remote() { ssh -o ConnectTimeout=15 "$HOST" "$@"; }
run() { remote "$@" </dev/null; }

# Checks, before anything changes, that ssh, the host, Docker and Compose all work, and picks
# `docker compose` (v2) or `docker-compose` (v1), whichever the host has.
COMPOSE=''
preflight() {
  [ -z "$COMPOSE" ] || return 0 # checked already (full runs build, deploy and status)
  command -v ssh >/dev/null 2>&1 || die "ssh was not found on this machine. Install an OpenSSH client."
  [ -n "$HOST" ] || die "DEPLOY_HOST is not set. Set it to the ssh destination of the Docker host, e.g. DEPLOY_HOST=me@nas.local, in the environment or in deploy.env."
  local out rc=0
  out=$(run 'command -v docker >/dev/null 2>&1 || exit 90
docker info >/dev/null 2>&1 || exit 91
if docker compose version >/dev/null 2>&1; then echo "docker compose"
elif command -v docker-compose >/dev/null 2>&1; then echo docker-compose
else exit 92; fi') || rc=$?
  case $rc in
    0) COMPOSE=$out ;;
    255) die "cannot reach $HOST over ssh (see ssh's message above). Check DEPLOY_HOST and that \`ssh $HOST true\` works without a password prompt." ;;
    90) die "docker is not installed on $HOST (or not on the PATH of a non-interactive ssh session). Install Docker Engine there: https://docs.docker.com/engine/install/" ;;
    91) die "the Docker daemon on $HOST cannot be used by this ssh user. Start it (sudo systemctl start docker) or add the user to the docker group (sudo usermod -aG docker \$USER, then log in again)." ;;
    92) die "Docker Compose is not installed on $HOST. Install the Compose plugin there (Debian/Ubuntu: sudo apt install docker-compose-plugin)." ;;
    *) die "checking Docker on $HOST failed (exit $rc)." ;;
  esac
}

# `cd DIR && <compose> ...`: the project name and .env are passed explicitly so that Compose v1
# and v2 read the same ones, and C3PO_IMAGE makes the Compose file run the image deploy.sh made.
compose_cmd() {
  local cmd a
  cmd="C3PO_IMAGE=$(q "$IMAGE") $COMPOSE -p c3po -f deploy/compose.yaml --env-file deploy/.env"
  for a in "$@"; do cmd+=" $(q "$a")"; done
  printf '%s' "$cmd"
}
compose() { run "cd $(q "$DIR") && $(compose_cmd "$@")"; }

# Sends files with tar over ssh into DIR, first removing the source folders that it replaces so
# that files deleted from the repository do not linger in the image. deploy/.env stays.
send_files() {
  command -v tar >/dev/null 2>&1 || die "tar was not found on this machine."
  local f
  for f in "$@"; do [ -e "$REPO/$f" ] || die "$REPO/$f is missing: run deploy.sh from a complete checkout."; done
  # COPYFILE_DISABLE: macOS tar would otherwise add ._* resource-fork files.
  COPYFILE_DISABLE=1 tar -C "$REPO" --exclude='*.test.ts' -czf - "$@" |
    remote "mkdir -p $(q "$DIR") && cd $(q "$DIR") && rm -rf libs apps && tar -xzf -"
}

cmd_build() {
  preflight
  echo "==> sending the sources to $HOST:$DIR"
  send_files "${BUILD_FILES[@]}"
  echo "==> building $IMAGE on $HOST"
  run "cd $(q "$DIR") && docker build --pull -t $(q "$IMAGE") -f deploy/Dockerfile ." ||
    die "the image build on $HOST failed (see above)."
}

cmd_push() {
  command -v docker >/dev/null 2>&1 || die "docker was not found on this machine; push sends an image built here. Use build to build on the host instead."
  local platform server
  platform=$(docker image inspect --format '{{.Os}}/{{.Architecture}}' "$IMAGE" 2>/dev/null) ||
    die "there is no local image $IMAGE. Build it for the host's platform first: docker buildx build --platform linux/amd64 -f deploy/Dockerfile -t $IMAGE --load ."
  preflight
  server=$(run "docker version --format '{{.Server.Os}}/{{.Server.Arch}}'") ||
    die "could not read the Docker platform of $HOST."
  [ "$platform" = "$server" ] ||
    die "$IMAGE is built for $platform but $HOST runs $server. Rebuild it with --platform $server, or use build to build on the host."
  echo "==> sending $IMAGE ($platform) to $HOST"
  send_files "${COMPOSE_FILES[@]}"
  # docker load reads gzip itself; compressing roughly halves the transfer.
  docker save "$IMAGE" | gzip -c | remote 'docker load' || die "sending the image to $HOST failed."
}

# Prints the coordinator container's health: healthy, unhealthy, starting, or none.
health() {
  run "cd $(q "$DIR") && id=\$($(compose_cmd ps -q coordinator)) && [ -n \"\$id\" ] && docker inspect --format '{{.State.Health.Status}}' \"\$id\"" ||
    echo none
}

# Checks that DIR holds a Compose file, its .env and the secret files, which every compose
# command needs.
require_deployed() {
  local rc=0 d
  d=$(q "$DIR")/deploy
  run "test -f $d/compose.yaml || exit 3; test -f $d/.env || exit 4
test -s $d/secrets/admin-token && test -s $d/secrets/redis-password || exit 5" || rc=$?
  case $rc in
    0) ;;
    3) die "$HOST:$DIR/deploy/compose.yaml is missing. Run \`scripts/deploy.sh build\` (or push) first, or set DEPLOY_DIR to where it is." ;;
    4) die "$HOST:$DIR/deploy/.env is missing. Create it on the host: cp $DIR/deploy/.env.example $DIR/deploy/.env, then set C3PO_ALLOWED_HOSTS. Or set DEPLOY_ENV_FILE to a local file to install." ;;
    5) die "the secrets are missing in $HOST:$DIR/deploy/secrets (admin-token, redis-password). Create them on the host: cd $DIR/deploy && mkdir -p -m 700 secrets && for f in admin-token redis-password; do [ -s secrets/\$f ] || openssl rand -hex 32 > secrets/\$f; done" ;;
    *) die "checking $HOST:$DIR failed (exit $rc)." ;;
  esac
}

cmd_deploy() {
  preflight
  if [ -n "${DEPLOY_ENV_FILE:-}" ]; then
    [ -f "$DEPLOY_ENV_FILE" ] || die "DEPLOY_ENV_FILE=$DEPLOY_ENV_FILE does not exist."
    echo "==> installing $DEPLOY_ENV_FILE as $HOST:$DIR/deploy/.env"
    # Written aside with umask 077, then renamed: the secret is never readable by others, even
    # when an older .env with wider permissions is replaced.
    remote "mkdir -p $(q "$DIR")/deploy && umask 077 && cat > $(q "$DIR")/deploy/.env.new && mv $(q "$DIR")/deploy/.env.new $(q "$DIR")/deploy/.env" <"$DEPLOY_ENV_FILE" ||
      die "installing $DEPLOY_ENV_FILE on $HOST failed."
  fi
  require_deployed
  run "docker image inspect $(q "$IMAGE") >/dev/null 2>&1" ||
    die "$HOST has no image $IMAGE. Run \`scripts/deploy.sh build\` (or push) first."
  echo "==> starting the containers on $HOST"
  compose up -d --no-build --remove-orphans || die "docker compose up failed on $HOST (see above)."
  echo "==> waiting up to ${HEALTH_TIMEOUT}s for the coordinator to be healthy"
  local deadline=$((SECONDS + HEALTH_TIMEOUT)) state
  while :; do
    state=$(health)
    case $state in
      healthy)
        echo "==> coordinator healthy"
        return 0
        ;;
      unhealthy) break ;;
    esac
    [ "$SECONDS" -lt "$deadline" ] || break
    sleep 2
  done
  compose logs --tail 50 coordinator >&2 || true
  die "the coordinator is not healthy on $HOST (state: $state). Its last log lines are above."
}

cmd_status() {
  preflight
  require_deployed
  compose ps
  echo "==> /api/health"
  compose exec -T coordinator node deploy/healthcheck.mjs ||
    die "the coordinator on $HOST does not answer healthy (see above; scripts/deploy.sh logs shows why)."
}

cmd_logs() {
  preflight
  require_deployed
  compose logs --tail 200 "$@"
}

cmd_stop() {
  preflight
  require_deployed
  compose stop
  echo "==> stopped; the data volume is kept. scripts/deploy.sh deploy starts it again."
}

main() {
  local cmd=${1:-}
  [ $# -eq 0 ] || shift
  case $cmd in
    -h | --help | help) usage ;;
    full | build | push | deploy | status | stop)
      [ $# -eq 0 ] || die "$cmd takes no arguments (got: $*)." 2
      settings
      if [ "$cmd" = full ]; then
        cmd_build
        cmd_deploy
        cmd_status
      else
        "cmd_$cmd"
      fi
      ;;
    logs)
      settings
      cmd_logs "$@"
      ;;
    '')
      usage >&2
      exit 2
      ;;
    *) die "unknown command '$cmd'. Run scripts/deploy.sh --help for the list." 2 ;;
  esac
}

main "$@"
