-- Marks a request done for its recipient: it leaves the pending entries list and the index.
-- KEYS[1] inbox stream   KEYS[2] inbox index hash (request id -> entry id)
-- ARGV[1] group   ARGV[2] request id
-- Returns the number of entries acknowledged (0 when it was already done).
local entry = redis.call('HGET', KEYS[2], ARGV[2])
if not entry then return 0 end
redis.call('HDEL', KEYS[2], ARGV[2])
return redis.call('XACK', KEYS[1], ARGV[1], entry)
