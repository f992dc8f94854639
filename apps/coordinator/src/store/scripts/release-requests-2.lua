-- Gives back requests claimed for a caller that went away before it got them: their delivery count
-- is restored and their idle time set so that the next wait hands them out at once. One that had
-- never been delivered before counts as not delivered again.
-- KEYS[1] inbox stream   KEYS[2] delivered hash
-- ARGV[1] group   ARGV[2] consumer   ARGV[3] idle ms to set
-- ARGV[4..] entry id, delivery count to restore, request id, ...
-- Returns the number of requests released.
local released = 0
for i = 4, #ARGV, 3 do
  local ids = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i],
    'IDLE', ARGV[3], 'RETRYCOUNT', ARGV[i + 1], 'JUSTID')
  released = released + #ids
  if #ids > 0 and tonumber(ARGV[i + 1]) == 0 then redis.call('HDEL', KEYS[2], ARGV[i + 2]) end
end
return released
