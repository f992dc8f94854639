-- Hands requests to their recipient: first delivered-but-unanswered ones whose last delivery is at
-- least min-idle old (their answer may have been lost), then new ones. A request already delivered
-- max-deliveries times is not handed out again but returned as exhausted, for dead-lettering.
-- KEYS[1] inbox stream
-- ARGV[1] group   ARGV[2] consumer   ARGV[3] min idle ms   ARGV[4] count   ARGV[5] max deliveries
-- Returns JSON {requests = [{id, fields, deliveries}], exhausted = [{id, fields, deliveries}], next_ms}:
-- with nothing to hand out, next_ms says when the soonest delivered request becomes redeliverable.
local inbox, group, consumer = KEYS[1], ARGV[1], ARGV[2]
local min_idle, count, max_deliveries = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
if redis.call('EXISTS', inbox) == 0 then
  redis.call('XGROUP', 'CREATE', inbox, group, '0', 'MKSTREAM')
end
local requests, exhausted = {}, {}
for _, p in ipairs(redis.call('XPENDING', inbox, group, 'IDLE', min_idle, '-', '+', count)) do
  local id, deliveries = p[1], p[4]
  if deliveries >= max_deliveries then
    local entry = redis.call('XRANGE', inbox, id, id)[1]
    if entry then
      exhausted[#exhausted + 1] = { id = id, fields = entry[2], deliveries = deliveries }
    else
      redis.call('XACK', inbox, group, id)
    end
  else
    local entry = redis.call('XCLAIM', inbox, group, consumer, min_idle, id)[1]
    if entry then
      requests[#requests + 1] = { id = id, fields = entry[2], deliveries = deliveries + 1 }
    end
  end
end
local room = count - #requests
if room > 0 then
  local fresh = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', room, 'STREAMS', inbox, '>')
  if fresh then
    for _, entry in ipairs(fresh[1][2]) do
      requests[#requests + 1] = { id = entry[1], fields = entry[2], deliveries = 1 }
    end
  end
end
local next_ms
if #requests == 0 then
  for _, p in ipairs(redis.call('XPENDING', inbox, group, '-', '+', 10)) do
    local wait = tonumber(min_idle) - p[3]
    if wait > 0 and (not next_ms or wait < next_ms) then next_ms = wait end
  end
end
return cjson.encode({ requests = requests, exhausted = exhausted, next_ms = next_ms })
