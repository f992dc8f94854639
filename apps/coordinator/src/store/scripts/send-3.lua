-- Appends a request to its recipient's inbox unless the idempotency key was already used, and rings
-- the recipient's doorbell. This append is the commit point of a send.
-- KEYS[1] inbox stream   KEYS[2] inbox index hash   KEYS[3] idempotency key
-- ARGV[1] group   ARGV[2] idempotency TTL in seconds (0: no key given, skip the check)
-- ARGV[3] fingerprint of the request   ARGV[4] bell channel   ARGV[5] bell message
-- ARGV[6..] field, value, ... of the entry (request_id, conversation_id and created_at among them)
-- Returns JSON {duplicate, entry_id, request_id, conversation_id, created_at, fingerprint}.
local use_key = ARGV[2] ~= '0'
if use_key then
  local stored = redis.call('GET', KEYS[3])
  if stored then
    local result = cjson.decode(stored)
    result.duplicate = true
    return cjson.encode(result)
  end
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
end
local fields, record = {}, {}
for i = 6, #ARGV, 2 do
  fields[#fields + 1] = ARGV[i]
  fields[#fields + 1] = ARGV[i + 1]
  record[ARGV[i]] = ARGV[i + 1]
end
local id = redis.call('XADD', KEYS[1], '*', unpack(fields))
redis.call('HSET', KEYS[2], record.request_id, id)
local result = {
  entry_id = id,
  request_id = record.request_id,
  conversation_id = record.conversation_id,
  created_at = record.created_at,
  fingerprint = ARGV[3],
}
if use_key then
  redis.call('SET', KEYS[3], cjson.encode(result), 'EX', ARGV[2])
end
redis.call('SPUBLISH', ARGV[4], ARGV[5])
result.duplicate = false
return cjson.encode(result)
