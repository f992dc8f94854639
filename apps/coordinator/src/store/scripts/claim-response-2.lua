-- Hands the requester the oldest response it has not received yet: first one handed to a caller
-- that went away before acknowledging it, then a new one. Responses the requester already got
-- through wait_for_response(request_id) are acknowledged and skipped.
-- KEYS[1] response stream   KEYS[2] received zset (request id -> ms)
-- ARGV[1] group   ARGV[2] consumer   ARGV[3] entries to scan per step
-- Returns JSON {id, fields} of the response (still pending until acknowledged), or {} when none.
local stream, group, consumer, scan = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
if redis.call('EXISTS', stream) == 0 then
  redis.call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')
end
local function pick(reply)
  if not reply then return nil end
  for _, entry in ipairs(reply[1][2]) do
    local request_id
    local fields = entry[2]
    if fields then
      for i = 1, #fields, 2 do
        if fields[i] == 'request_id' then request_id = fields[i + 1] end
      end
    end
    if fields and not redis.call('ZSCORE', KEYS[2], request_id) then
      return { id = entry[1], fields = fields }
    end
    redis.call('XACK', stream, group, entry[1])
  end
end
local found = pick(redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', scan, 'STREAMS', stream, '0'))
if not found then
  found = pick(redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', scan, 'STREAMS', stream, '>'))
end
return cjson.encode(found or {})
