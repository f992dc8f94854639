-- Registers an open wait of an agent unless it already has the most it may have.
-- KEYS[1] the agent's waits zset (member -> deadline ms)
-- ARGV[1] now ms   ARGV[2] deadline ms   ARGV[3] member   ARGV[4] limit
-- Returns 1 when registered, 0 when the limit is reached. Waits past their deadline (left by a
-- crashed process) are dropped first.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) - tonumber(ARGV[1]) + 60000)
return 1
