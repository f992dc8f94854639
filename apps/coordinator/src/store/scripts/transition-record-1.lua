-- Moves a request record to a new state if its current state allows it, setting extra fields.
-- KEYS[1] request record hash
-- ARGV[1] allowed current states, space-separated   ARGV[2] new state   ARGV[3] TTL ms ('' keeps it)
-- ARGV[4..] field, value, ... to set with the new state
-- Returns the state before the call ('' when there is no record); the record changed only if
-- that state was allowed.
local current = redis.call('HGET', KEYS[1], 'state')
if not current then return '' end
if not string.find(' ' .. ARGV[1] .. ' ', ' ' .. current .. ' ', 1, true) then return current end
local fields = { 'state', ARGV[2] }
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
if ARGV[3] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return current
