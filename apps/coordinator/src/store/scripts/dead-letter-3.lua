-- Moves a request that was delivered too often without an answer to the dead-letter stream, and
-- marks it done in the inbox. Run only after its requester has been given an error response.
-- KEYS[1] inbox stream   KEYS[2] inbox index hash   KEYS[3] dead-letter stream
-- ARGV[1] group   ARGV[2] entry id   ARGV[3] request id   ARGV[4] max length of the dead-letter stream
-- ARGV[5..] field, value, ... to record (reason, deliveries, the request's fields)
-- Returns 1 when moved, 0 when it was already done.
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  return 0
end
redis.call('HDEL', KEYS[2], ARGV[3])
local fields = {}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*', unpack(fields))
return 1
