#!/bin/sh
# C3PO hook for Claude Code. Usage (see hooks.json):
#   sh c3po-hook.sh session-start|stop|post-tool-use|session-end   < hook input JSON
#
# It posts the hook's input to the coordinator and prints the answer as it is: the coordinator
# renders the exact JSON Claude Code expects, and an empty answer (HTTP 204) prints nothing. That
# keeps this script to sh and curl, with nothing else to install on the user's machine.
#
# It must never hold up the session: curl gives up after 1 s without a connection and after 2 s in
# all (1 s for SessionEnd), and the script always exits 0. When the coordinator cannot be used,
# SessionStart says so in one line (the model learns it works alone); the other hooks stay silent.

event=${1:-}
case $event in
  session-start | stop | post-tool-use | session-end) ;;
  *)
    echo "c3po-hook.sh: unknown hook \"$event\"" >&2
    exit 0
    ;;
esac

base=${C3PO_COORDINATOR_URL:-http://localhost:8420}
base=${base%/}

# Claude Code gives SessionEnd hooks 1.5 s in all and then cancels them, and a cancelled hook
# still holds up its exit; SessionEnd only marks the agent offline, so it gives up after 1 s.
limit=2
if [ "$event" = session-end ]; then limit=1; fi

# The same identity as .mcp.json sends: C3PO_AGENT_ID when set, else the coordinator takes the name
# of the project folder (curl leaves out a header with an empty value, which the coordinator reads
# as "not set"). The token reaches curl on fd 3, not in its arguments, where any user of the machine
# could read it with ps.
if [ -n "${C3PO_TOKEN:-}" ]; then set -- -H @/dev/fd/3; else set --; fi

# The answer is captured first, so that a transfer cut off half-way never prints half a JSON. curl
# replaces the subshell (exec) and its messages go to /dev/null: when Claude Code kills a hook that
# waits (timeout, Ctrl-C), nothing is left holding the hook's stdout or stderr open.
answer=$(exec curl -s --fail --connect-timeout 1 --max-time "$limit" \
  -H 'Content-Type: application/json' \
  -H "X-Agent-ID: ${C3PO_AGENT_ID:-}" \
  -H "X-Project-Dir: ${CLAUDE_PROJECT_DIR:-$PWD}" \
  -H "X-Coordinator-URL: $base" \
  "$@" --data-binary @- "$base/api/hooks/$event" 2>/dev/null 3<<AUTH
Authorization: Bearer ${C3PO_TOKEN:-}
AUTH
)
status=$?

if [ "$status" -eq 0 ]; then
  if [ -n "$answer" ]; then printf '%s\n' "$answer"; fi
elif [ "$event" = session-start ]; then
  case $status in
    6) why='its host name does not resolve' ;;
    7) why='nothing accepts connections there' ;;
    28) why='it did not answer in time' ;;
    22) why='it answered with an HTTP error; check C3PO_TOKEN, and that the URL is the base URL, without /mcp' ;;
    127) why='curl, which the C3PO hooks need, is not installed' ;;
    *) why="curl failed with exit code $status" ;;
  esac
  echo "C3PO: the coordinator at $base is not reachable ($why), so this session works alone, without other agents. To connect, check C3PO_COORDINATOR_URL and that the coordinator runs there (npm start in the C3PO repo; curl $base/api/health)."
fi
exit 0
