-- Takes an answer out of the requester's queue of answers not received yet and remembers that it
-- was received: the oldest one (member '' ), or the named one. Received marks older than the
-- keep time are dropped, so the mark set stays bounded.
-- KEYS[1] answers zset   KEYS[2] received zset (request id -> ms)
-- ARGV[1] member ('' for the oldest)   ARGV[2] request id (with a member)   ARGV[3] now ms
-- ARGV[4] keep received marks this long, ms
-- Returns the member taken, or false when there was none.
local member, request_id = ARGV[1], ARGV[2]
if member == '' then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
  if not oldest then return false end
  member = oldest
  request_id = string.match(oldest, '^(%S+)')
end
redis.call('ZREM', KEYS[1], member)
redis.call('ZADD', KEYS[2], ARGV[3], request_id)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', tonumber(ARGV[3]) - tonumber(ARGV[4]))
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return member
