-- Reads the response to a request from its conversation, if one is stored.
-- KEYS[1] conversation stream   KEYS[2] conversation index hash
-- ARGV[1] request id
-- Returns the entry's fields (flat list), or an empty list when there is no response yet.
local id = redis.call('HGET', KEYS[2], 'response:' .. ARGV[1])
if not id then return {} end
local entry = redis.call('XRANGE', KEYS[1], id, id)[1]
if not entry then return {} end
return entry[2]
