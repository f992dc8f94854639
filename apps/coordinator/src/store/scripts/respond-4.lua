-- Stores the answer to a request, once: the record gets the response and the request leaves its
-- recipient's inbox, in one step, then the waiters on the request are woken. Answering again with
-- the same text and status is a no-op that returns the stored answer (a retry after a lost reply).
-- KEYS[1] request record hash   KEYS[2] inbox stream   KEYS[3] inbox bytes   KEYS[4] delivered hash
-- ARGV[1] group   ARGV[2] now ms   ARGV[3] record TTL ms   ARGV[4] bell channel   ARGV[5] bell message
-- ARGV[6..] response field, value, ... (response_id, response, status, answered_at)
-- Returns JSON {result = 'answered' | 'duplicate' | 'conflict' | 'expired' | 'cancelled' |
-- 'overdue' | 'not_found', record = {field = value}}.
local record = KEYS[1]
local function fields()
  local flat, out = redis.call('HGETALL', record), {}
  for i = 1, #flat, 2 do out[flat[i]] = flat[i + 1] end
  return out
end
local r = fields()
if not r.state then return cjson.encode({ result = 'not_found' }) end
local new = {}
for i = 6, #ARGV, 2 do new[ARGV[i]] = ARGV[i + 1] end
if r.state == 'answered' then
  local same = r.response == new.response and r.status == new.status
  return cjson.encode({ result = same and 'duplicate' or 'conflict', record = r })
end
if r.state ~= 'queued' then return cjson.encode({ result = r.state, record = r }) end
if tonumber(r.expires_at) <= tonumber(ARGV[2]) then
  return cjson.encode({ result = 'overdue', record = r })
end
local set = { 'state', 'answered' }
for i = 6, #ARGV do set[#set + 1] = ARGV[i] end
redis.call('HSET', record, unpack(set))
redis.call('PEXPIRE', record, ARGV[3])
redis.call('XACK', KEYS[2], ARGV[1], r.entry)
redis.call('XDEL', KEYS[2], r.entry)
redis.call('DECRBY', KEYS[3], r.bytes)
local delivered_at = redis.call('HGET', KEYS[4], r.request_id)
if delivered_at then redis.call('HSET', record, 'delivered_at', delivered_at) end
redis.call('HDEL', KEYS[4], r.request_id)
-- The words stay in the conversation; the record keeps only what the sender may ask again.
redis.call('HDEL', record, 'message', 'context')
redis.call('SPUBLISH', ARGV[4], ARGV[5])
return cjson.encode({ result = 'answered', record = fields() })
