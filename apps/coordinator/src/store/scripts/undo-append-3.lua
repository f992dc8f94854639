-- Undoes the append of a request whose send was then refused: removes its entry and the member it
-- added, so a refused send leaves no trace in the conversation. A conversation left without
-- entries (the refused send would have started it) goes entirely: stream, index and members.
-- KEYS[1] conversation stream   KEYS[2] index hash   KEYS[3] members hash
-- ARGV[1] request id   ARGV[2] entry id   ARGV[3] member the append added ('' for none)
-- Returns 1 when the entry was removed.
if redis.call('HGET', KEYS[2], 'request:' .. ARGV[1]) ~= ARGV[2] then return 0 end
if redis.call('HINCRBY', KEYS[3], '#', -1) <= 0 then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
  return 1
end
redis.call('HDEL', KEYS[2], 'request:' .. ARGV[1])
redis.call('XDEL', KEYS[1], ARGV[2])
if ARGV[3] ~= '' then redis.call('HDEL', KEYS[3], ARGV[3]) end
return 1
