-- Appends a request or response to a conversation once: a second append under the same index field
-- returns the first entry. Records who took part, and slides the conversation's expiry.
-- KEYS[1] conversation stream   KEYS[2] conversation index hash   KEYS[3] members set
-- ARGV[1] index field ('request:<id>' or 'response:<request id>')   ARGV[2] TTL ms
-- ARGV[3] member 1   ARGV[4] member 2   ARGV[5..] field, value, ... of the entry
-- Returns JSON {entry_id, duplicate}.
local existing = redis.call('HGET', KEYS[2], ARGV[1])
if existing then
  return cjson.encode({ entry_id = existing, duplicate = true })
end
local fields = {}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
local id = redis.call('XADD', KEYS[1], '*', unpack(fields))
redis.call('HSET', KEYS[2], ARGV[1], id)
redis.call('SADD', KEYS[3], ARGV[3], ARGV[4])
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
return cjson.encode({ entry_id = id, duplicate = false })
