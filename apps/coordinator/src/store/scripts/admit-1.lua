-- Records a member in a bounded set (known agents, the agent IDs of a token): a member already in
-- it is refreshed; a new one is admitted only while the set has fewer than `cap` members.
-- KEYS[1] zset (member -> last seen ms)
-- ARGV[1] member   ARGV[2] now ms   ARGV[3] cap   ARGV[4] TTL ms ('' for none)
-- Returns 1 when admitted (or already in), 0 when the set is full.
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
if ARGV[4] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return 1
