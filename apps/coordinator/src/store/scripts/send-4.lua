-- Commits a send: appends the request to its recipient's inbox and writes its record, unless the
-- idempotency key was already used or the inbox is full, then rings the recipient's doorbell.
-- This is the commit point of a send; everything written before it is harmless without it.
-- KEYS[1] inbox stream   KEYS[2] request record hash   KEYS[3] idempotency key   KEYS[4] inbox bytes
-- ARGV[1] group   ARGV[2] idempotency TTL s (0: no key given)   ARGV[3] fingerprint
-- ARGV[4] bell channel   ARGV[5] bell message   ARGV[6] most unanswered requests   ARGV[7] most bytes
-- ARGV[8] bytes of this request   ARGV[9] record TTL ms   ARGV[10] n: record fields count
-- ARGV[11 .. 10+n] record field, value, ...   ARGV[11+n ..] inbox entry field, value, ...
-- Returns JSON {outcome = 'sent' | 'duplicate' | 'inbox_full', entry_id, request_id,
-- conversation_id, created_at, fingerprint, unanswered, bytes}.
local inbox, record, idem, counter = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local use_key = ARGV[2] ~= '0'
if use_key then
  local stored = redis.call('GET', idem)
  if stored then
    local result = cjson.decode(stored)
    result.outcome = 'duplicate'
    return cjson.encode(result)
  end
end
local unanswered = redis.call('XLEN', inbox)
local bytes = tonumber(redis.call('GET', counter) or '0')
local size = tonumber(ARGV[8])
if unanswered >= tonumber(ARGV[6]) or bytes + size > tonumber(ARGV[7]) then
  return cjson.encode({ outcome = 'inbox_full', unanswered = unanswered, bytes = bytes })
end
if redis.call('EXISTS', inbox) == 0 then
  redis.call('XGROUP', 'CREATE', inbox, ARGV[1], '0', 'MKSTREAM')
end
local n = tonumber(ARGV[10])
local fields, values = {}, {}
for i = 11, 10 + n, 2 do values[ARGV[i]] = ARGV[i + 1] end
for i = 11 + n, #ARGV do fields[#fields + 1] = ARGV[i] end
local id = redis.call('XADD', inbox, '*', unpack(fields))
local rec = { 'entry', id }
for i = 11, 10 + n do rec[#rec + 1] = ARGV[i] end
redis.call('HSET', record, unpack(rec))
redis.call('PEXPIRE', record, ARGV[9])
redis.call('INCRBY', counter, size)
local result = {
  entry_id = id,
  request_id = values.request_id,
  conversation_id = values.conversation_id,
  created_at = values.created_at,
  fingerprint = ARGV[3],
}
if use_key then redis.call('SET', idem, cjson.encode(result), 'EX', ARGV[2]) end
redis.call('SPUBLISH', ARGV[4], ARGV[5])
result.outcome = 'sent'
return cjson.encode(result)
