-- Puts an answer in its requester's queue of answers not received yet, unless the requester already
-- received it, and wakes the requester's waiters. Idempotent, so a repair may run it again.
-- KEYS[1] answers zset ('<request id> <recipient>' -> ms)   KEYS[2] received zset (request id -> ms)
-- ARGV[1] member   ARGV[2] request id   ARGV[3] now ms   ARGV[4] TTL ms   ARGV[5] bell channel
-- ARGV[6] bell message
-- Returns 1 when queued now, 0 when it was queued or received before.
if redis.call('ZSCORE', KEYS[2], ARGV[2]) then return 0 end
local added = redis.call('ZADD', KEYS[1], 'NX', ARGV[3], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if added == 1 then redis.call('SPUBLISH', ARGV[5], ARGV[6]) end
return added
