-- Takes (or renews) a lease in a set of leases unless it already holds `limit` live ones. Leases
-- end at their time unless renewed, so the leases of a process that died lapse by themselves.
-- KEYS[1] leases zset (member -> lease end ms)
-- ARGV[1] now ms   ARGV[2] lease end ms   ARGV[3] member   ARGV[4] limit
-- Returns 1 when held, 0 when the limit is reached.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if not redis.call('ZSCORE', KEYS[1], ARGV[3]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) - tonumber(ARGV[1]) + 60000)
return 1
