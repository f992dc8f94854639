-- Gives back requests claimed for a caller that went away before it got them: their delivery count
-- is restored and their idle time set so that the next wait hands them out at once.
-- KEYS[1] inbox stream
-- ARGV[1] group   ARGV[2] consumer   ARGV[3] idle ms to set   ARGV[4..] entry id, delivery count to restore, ...
-- Returns the number of requests released.
local released = 0
for i = 4, #ARGV, 2 do
  local ids = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i],
    'IDLE', ARGV[3], 'RETRYCOUNT', ARGV[i + 1], 'JUSTID')
  released = released + #ids
end
return released
