-- Ends an unanswered request without an answer from its recipient, once: cancelled by its sender,
-- expired at its deadline, or dead-lettered after too many deliveries. It leaves the inbox, an
-- expired or dead-lettered one is copied to the dead-letter stream with an error answer for its
-- sender, and the waiters on the request are woken. Ending an ended request changes nothing.
-- KEYS[1] request record hash   KEYS[2] inbox stream   KEYS[3] inbox bytes   KEYS[4] delivered hash
-- KEYS[5] dead-letter stream
-- ARGV[1] group   ARGV[2] mode: 'cancel' | 'expire' | 'dead_letter'   ARGV[3] sender (cancel only)
-- ARGV[4] now ms   ARGV[5] record TTL ms   ARGV[6] bell channel   ARGV[7] bell message
-- ARGV[8] dead-letter stream max length   ARGV[9] deliveries (dead_letter)
-- ARGV[10..] field, value, ... to set (ended_at, reason; the error answer when not cancelling);
-- '{seconds}' in a value becomes the request's time to live in seconds
-- Returns JSON {result = 'ended' | 'not_due' | 'not_found' | <the state it already had>,
-- record = {field = value}}.
local record, mode = KEYS[1], ARGV[2]
local function fields()
  local flat, out = redis.call('HGETALL', record), {}
  for i = 1, #flat, 2 do out[flat[i]] = flat[i + 1] end
  return out
end
local r = fields()
if not r.state or (mode == 'cancel' and r.from ~= ARGV[3]) then
  return cjson.encode({ result = 'not_found' })
end
if r.state ~= 'queued' then return cjson.encode({ result = r.state, record = r }) end
if mode == 'expire' and tonumber(r.expires_at) > tonumber(ARGV[4]) then
  return cjson.encode({ result = 'not_due', record = r })
end
local set = { 'state', mode == 'cancel' and 'cancelled' or 'expired' }
for i = 10, #ARGV do set[#set + 1] = (string.gsub(ARGV[i], '{seconds}', r.ttl_seconds or '?')) end
redis.call('HSET', record, unpack(set))
redis.call('PEXPIRE', record, ARGV[5])
redis.call('XACK', KEYS[2], ARGV[1], r.entry)
redis.call('XDEL', KEYS[2], r.entry)
redis.call('DECRBY', KEYS[3], r.bytes)
local delivered_at = redis.call('HGET', KEYS[4], r.request_id)
if delivered_at then redis.call('HSET', record, 'delivered_at', delivered_at) end
redis.call('HDEL', KEYS[4], r.request_id)
-- The words stay in the conversation; the record keeps only what the sender may ask again.
redis.call('HDEL', record, 'message', 'context')
r = fields()
if mode ~= 'cancel' then
  redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[8], '*',
    'request_id', r.request_id, 'conversation_id', r.conversation_id, 'from', r.from,
    'to', r.to, 'created_at', r.created_at, 'ended_at', r.ended_at, 'reason', r.reason,
    'deliveries', ARGV[9], 'preview', r.preview or '')
end
redis.call('SPUBLISH', ARGV[6], ARGV[7])
return cjson.encode({ result = 'ended', record = r })
