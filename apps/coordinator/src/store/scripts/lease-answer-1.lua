-- Hands the requester's oldest available answer to one of its waits: the answer stays queued but
-- is hidden for `hold` ms, until that wait's result is known to have reached the client (then it
-- is taken for good) or not (then it is given back). If the coordinator dies in between, the
-- answer becomes available again when the hold ends.
-- KEYS[1] answers zset ('<request id> <recipient>' -> ms from which it is available)
-- ARGV[1] now ms   ARGV[2] hold ms
-- Returns {member, score it had}; when no answer is available, {'', ms when the first hold ends}
-- (so a wait looks again then), or false when the queue is empty.
local oldest = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, 1)
if #oldest == 0 then
  local held = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if #held == 0 then return false end
  return { '', held[2] }
end
redis.call('ZADD', KEYS[1], 'XX', tonumber(ARGV[1]) + tonumber(ARGV[2]), oldest[1])
return oldest
