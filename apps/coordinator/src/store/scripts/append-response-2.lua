-- Delivers a response to its requester's response stream once per request, and rings the
-- requester's doorbell. This append is the commit point of an answer for the requester.
-- KEYS[1] response stream   KEYS[2] response index zset (request id -> ms appended)
-- ARGV[1] group   ARGV[2] request id   ARGV[3] now ms   ARGV[4] bell channel   ARGV[5] bell message
-- ARGV[6..] field, value, ... of the response
-- Returns 1 when appended, 0 when this request's response was already there.
if redis.call('ZSCORE', KEYS[2], ARGV[2]) then return 0 end
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
end
local fields = {}
for i = 6, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('XADD', KEYS[1], '*', unpack(fields))
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
redis.call('SPUBLISH', ARGV[4], ARGV[5])
return 1
