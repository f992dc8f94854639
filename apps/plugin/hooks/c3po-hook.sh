#!/bin/sh
# C3PO hook for Claude Code. Usage (see hooks.json):
#   sh c3po-hook.sh session-start|stop|post-tool-use|prompt|session-end   < hook input JSON
#
# It posts what the coordinator needs of the hook's input to the coordinator and prints the answer
# as it is: the coordinator renders the exact JSON Claude Code expects, and an empty answer (HTTP
# 204) prints nothing. That keeps this script to sh, awk and curl, with nothing else to install on
# the user's machine.
#
# It must never hold up the session: curl gives up after 1 s without a connection and after 2 s in
# all (1 s for SessionEnd and the prompt hook), and the script always exits 0. When the coordinator cannot be used,
# SessionStart says why in one line (the model learns it works alone); the other hooks stay silent.

event=${1:-}
case $event in
  session-start | stop | post-tool-use | prompt | session-end) ;;
  *)
    echo "c3po-hook.sh: unknown hook \"$event\"" >&2
    exit 0
    ;;
esac

base=${C3PO_COORDINATOR_URL:-http://localhost:8420}
base=${base%/}

# Claude Code gives SessionEnd hooks 1.5 s in all and then cancels them, and a cancelled hook
# still holds up its exit; SessionEnd only marks the agent offline, so it gives up after 1 s. The
# prompt hook holds up the human's prompt for a line of context, so it gives up after 1 s too.
limit=2
case $event in session-end | prompt) limit=1 ;; esac

# Only these fields of the input leave this machine: session_id, stop_hook_active, tool_name and
# source, the ones the coordinator's hook schema takes (it acts on session_id and tool_name; the
# two flags are kept for its logs and later use), and of them only those this event has. The rest (the
# human's prompt, the agent's last message, every tool's input and output) stays here.
case $event in
  session-start) want='session_id source' ;;
  stop) want='session_id stop_hook_active' ;;
  post-tool-use) want='session_id tool_name' ;;
  *) want='session_id' ;;
esac
# awk reads the JSON split at its double quotes, so that each piece is either the text between
# strings or (part of) a string's contents, up to a quote that is not escaped, and keeps track of
# nesting: only top-level keys count, in any order. It does constant work per piece and keeps no
# string it does not need. It stops once it has what it wants, which Claude Code puts first, so a
# tool output of megabytes costs nothing, and after 100,000 pieces in any case (about 0.2 s with
# busybox awk), so no input can hold it up. A value is passed on only if it is short and made of
# the characters of IDs and tool names, which also keeps the JSON printed here valid whatever the
# input was. Without awk the body is {}.
# shellcheck disable=SC2016 # an awk program: its $ are awk's
fields='
BEGIN { RS = "\""; depth = 0; inside = 0; role = ""; key = ""; s = ""; n = split(want, w, " ") }
NR > 100000 { exit }
inside {
  if (role != "" && length(s) <= 256) s = s $0
  b = 0; i = length($0)
  while (i > b && substr($0, i - b, 1) == "\\") b++
  if (b % 2 == 1) { if (role != "") s = s "\""; next }
  inside = 0
  if (role == "key") key = s
  else if (role == "value" && length(s) <= 200 && s ~ /^[A-Za-z0-9._-]+$/) found(key, "\"" s "\"")
  role = ""; s = ""
  next
}
{
  t = $0; gsub(/[ \t\r\n]+/, "", t)
  if (key == "stop_hook_active" && wanted(key) && t ~ /^:(true|false)([,}]|$)/)
    found(key, (substr(t, 2, 1) == "t") ? "true" : "false")
  else if (key != "" && key != "stop_hook_active" && t == ":" && wanted(key)) role = "value"
  if (role != "value") key = ""
  c = t; depth += gsub(/[[{]/, "", c); depth -= gsub(/[]}]/, "", c)
  if (role == "" && depth == 1 && t ~ /[{,]$/) role = "key"
  inside = 1
}
function wanted(k,  j) { for (j = 1; j <= n; j++) if (w[j] == k) return 1; return 0 }
function found(k, v,  j) {
  got[k] = v
  for (j = 1; j <= n; j++) if (!(w[j] in got)) return
  exit
}
END {
  out = ""
  for (j = 1; j <= n; j++) if (w[j] in got) out = out ",\"" w[j] "\":" got[w[j]]
  printf "{%s}", substr(out, 2)
}'
body=$(LC_ALL=C awk -v want="$want" "$fields" 2>/dev/null) || body='{}'

# Headers that may hold anything reach curl in a file on fd 3, one per line, never in its
# arguments: the token, which any user of the machine could read there with ps, and the agent's
# description, which may hold spaces, quotes, $ or backslashes. Each is sent only when it is
# printable ASCII: a line break would start another header, and Claude Code sends other characters
# as Latin-1 (or refuses them) where curl would send UTF-8, so the MCP connection alone sets such a
# description. curl leaves out a header with an empty value, which the coordinator reads as "not
# set", as it does .mcp.json's empty "${C3PO_AGENT_DESCRIPTION:-}".
printable() { (
  LC_ALL=C
  case $1 in *[![:print:]]*) exit 1 ;; esac
); }
auth=
if [ -n "${C3PO_TOKEN:-}" ] && printable "$C3PO_TOKEN"; then
  auth="Authorization: Bearer $C3PO_TOKEN"
fi
description=
if [ -n "${C3PO_AGENT_DESCRIPTION:-}" ] && printable "$C3PO_AGENT_DESCRIPTION"; then
  description=$C3PO_AGENT_DESCRIPTION
fi

# The same identity as .mcp.json sends: C3PO_AGENT_ID when set, else the coordinator takes the name
# of the project folder (an empty X-Agent-ID is left out, as above).
# The answer is captured first, so that a transfer cut off half-way never prints half a JSON; curl
# adds the HTTP status after it (-w). curl replaces the subshell (exec) and its messages go to
# /dev/null: when Claude Code kills a hook that waits (timeout, Ctrl-C), nothing is left holding
# the hook's stdout or stderr open.
answer=$(exec curl -s --connect-timeout 1 --max-time "$limit" -w '%{http_code}' \
  -H 'Content-Type: application/json' \
  -H "X-Agent-ID: ${C3PO_AGENT_ID:-}" \
  -H "X-Project-Dir: ${CLAUDE_PROJECT_DIR:-$PWD}" \
  -H "X-Coordinator-URL: $base" \
  -H @/dev/fd/3 --data-binary @- "$base/api/hooks/$event" 2>/dev/null 3<<HEADERS <<BODY
$auth
X-Agent-Description: $description
HEADERS
$body
BODY
)
status=$?
code=${answer#"${answer%???}"}
answer=${answer%???}

if [ "$status" -eq 0 ]; then
  case $code in
    2??)
      if [ -n "$answer" ]; then printf '%s\n' "$answer"; fi
      exit 0
      ;;
  esac
fi
if [ "$event" != session-start ]; then exit 0; fi

alone='so this session works alone, without other agents'
if [ "$status" -eq 0 ]; then
  case $code in
    401 | 403)
      echo "C3PO: the coordinator at $base refused this session (HTTP $code), $alone. A coordinator reached under a host name it does not serve answers 403: add that name to its C3PO_ALLOWED_HOSTS (curl -i $base/api/health shows the reason); a 401 comes from a proxy in front of it. Then restart Claude Code."
      ;;
    404)
      echo "C3PO: there is no C3PO coordinator at $base (HTTP 404 for $base/api/hooks/session-start), $alone. Set C3PO_COORDINATOR_URL to the coordinator's base URL, without /mcp (e.g. http://localhost:8420), and restart Claude Code."
      ;;
    5??)
      echo "C3PO: the coordinator at $base answers but fails (HTTP $code; its Redis may be down, or it is restarting), $alone for now. Nothing stored is lost; check it with curl $base/api/health, and reconnect with /mcp once it is healthy."
      ;;
    *)
      echo "C3PO: the coordinator at $base answered HTTP $code, $alone. Check that C3PO_COORDINATOR_URL is the coordinator's base URL, without /mcp (curl $base/api/health)."
      ;;
  esac
  exit 0
fi
case $status in
  6) why='its host name does not resolve' ;;
  7) why='nothing accepts connections there' ;;
  28) why='it did not answer in time' ;;
  127) why='curl, which the C3PO hooks need, is not installed' ;;
  *) why="curl failed with exit code $status" ;;
esac
echo "C3PO: the coordinator at $base is not reachable ($why), $alone. To connect, check C3PO_COORDINATOR_URL and that the coordinator runs there (npm start in the C3PO repo; curl $base/api/health)."
exit 0
