-- Appends a request, or the answer or end of a request, to its conversation once (a second append
-- of the same thing returns the first entry). A request continuing a conversation must come from a
-- member; its recipient becomes a member that reads from this request on (a newcomer does not see
-- the history before it), while the two agents that start a conversation read all of it.
-- KEYS[1] conversation stream   KEYS[2] index hash   KEYS[3] members hash
-- ARGV[1] kind: 'request' | 'answer'   ARGV[2] request id   ARGV[3] from   ARGV[4] to
-- ARGV[5] 'new' (starts the conversation) | 'continue'   ARGV[6] TTL ms   ARGV[7] max length
-- ARGV[8..] field, value, ... of the entry
-- Returns JSON {result = 'appended' | 'duplicate' | 'absent' | 'outsider', entry_id, added}:
-- `added` names the member this append added (for undoing a send that was then refused).
local stream, index, members = KEYS[1], KEYS[2], KEYS[3]
local kind, request_id, from, to = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local field = (kind == 'request' and 'request:' or 'response:') .. request_id
local existing = redis.call('HGET', index, field)
if existing then return cjson.encode({ result = 'duplicate', entry_id = existing }) end
if kind == 'request' and ARGV[5] == 'continue' then
  if redis.call('EXISTS', stream) == 0 then return cjson.encode({ result = 'absent' }) end
  if redis.call('HEXISTS', members, from) == 0 then return cjson.encode({ result = 'outsider' }) end
end
local entry = {}
for i = 8, #ARGV do entry[#entry + 1] = ARGV[i] end
local before = tonumber(redis.call('HGET', members, '#') or '0')
local id = redis.call('XADD', stream, 'MAXLEN', '~', ARGV[7], '*', unpack(entry))
redis.call('HSET', index, field, id)
redis.call('HSET', members, '#', before + 1)
local added
if kind == 'request' then
  if ARGV[5] == 'new' then
    redis.call('HSETNX', members, from, '0 0')
    if redis.call('HSETNX', members, to, '0 0') == 1 then added = to end
  elseif redis.call('HSETNX', members, to, id .. ' ' .. before) == 1 then
    added = to
  end
end
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[6]) end
return cjson.encode({ result = 'appended', entry_id = id, added = added })
