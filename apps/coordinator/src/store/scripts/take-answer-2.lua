-- Takes an answer out of the requester's queue of answers not received yet for good, and remembers
-- that it was received (so that no repair queues it again). Received marks older than the keep
-- time are dropped, so the mark set stays bounded.
-- KEYS[1] answers zset   KEYS[2] received zset (request id -> ms)
-- ARGV[1] member   ARGV[2] request id   ARGV[3] now ms   ARGV[4] keep received marks this long, ms
-- Returns 1.
local member, request_id = ARGV[1], ARGV[2]
redis.call('ZREM', KEYS[1], member)
redis.call('ZADD', KEYS[2], ARGV[3], request_id)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', tonumber(ARGV[3]) - tonumber(ARGV[4]))
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1
