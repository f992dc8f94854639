-- Creates a request record unless it exists (a retried send must not reset its state).
-- KEYS[1] request record hash
-- ARGV[1] TTL ms   ARGV[2..] field, value, ...
-- Returns 1 when created, 0 when it already existed.
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local fields = {}
for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
