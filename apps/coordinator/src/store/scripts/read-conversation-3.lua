-- Reads the most recent entries of a conversation that an agent may see: all of it for the agents
-- that started it, from the request that brought it in for a newcomer. Bounded by `limit`.
-- KEYS[1] conversation stream   KEYS[2] index hash   KEYS[3] members hash
-- ARGV[1] agent   ARGV[2] limit
-- Returns JSON {result = 'ok' | 'absent' | 'outsider', total, entries = [{id, fields, ended}]},
-- oldest first; `ended` tells a request entry whose answer or end is recorded too.
local stream, index, members = KEYS[1], KEYS[2], KEYS[3]
if redis.call('EXISTS', stream) == 0 then return cjson.encode({ result = 'absent' }) end
local member = redis.call('HGET', members, ARGV[1])
if not member then return cjson.encode({ result = 'outsider' }) end
local from, before = string.match(member, '^(%S+) (%d+)$')
local count = tonumber(redis.call('HGET', members, '#') or '0')
local raw = redis.call('XREVRANGE', stream, '+', from == '0' and '-' or from, 'COUNT', ARGV[2])
local entries = {}
for i = #raw, 1, -1 do
  local id, fields = raw[i][1], raw[i][2]
  local kind, request_id
  for j = 1, #fields, 2 do
    if fields[j] == 'type' then kind = fields[j + 1] end
    if fields[j] == 'request_id' then request_id = fields[j + 1] end
  end
  local ended = kind == 'request' and redis.call('HEXISTS', index, 'response:' .. request_id) == 1
  entries[#entries + 1] = { id = id, fields = fields, ended = ended }
end
return cjson.encode({ result = 'ok', total = count - tonumber(before), entries = entries })
