-- Gives an answer back to the requester's queue: it was taken for a caller that went away before
-- the result reached it, so the next wait_for_response hands it out again.
-- KEYS[1] answers zset   KEYS[2] received zset
-- ARGV[1] member   ARGV[2] request id   ARGV[3] score (when it was first queued)
-- Returns 1.
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1
