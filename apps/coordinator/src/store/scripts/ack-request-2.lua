-- Marks a request done for its recipient: it leaves the pending entries list and the index.
-- KEYS[1] inbox stream   KEYS[2] inbox index hash (request id -> entry id)
-- ARGV[1] group   ARGV[2] request id
-- Returns 1 when the request was still open, 0 when it was already done.
local entry = redis.call('HGET', KEYS[2], ARGV[2])
if not entry then return 0 end
redis.call('HDEL', KEYS[2], ARGV[2])
-- Answered before any tool call delivered it (with the id a hook showed): the entry is not pending
-- but still ahead of the group's last-delivered id, where XREADGROUP would hand it out again.
if redis.call('XACK', KEYS[1], ARGV[1], entry) == 0 then
  redis.call('XDEL', KEYS[1], entry)
end
return 1
