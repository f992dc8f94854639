-- Hands requests to their recipient: first delivered-but-unanswered ones whose last delivery is at
-- least min-idle old (their answer may have been lost), then new ones, and records them as
-- delivered. Not handed out: requests already delivered max-deliveries times (returned as
-- exhausted) and requests past their deadline (returned as overdue); the caller ends both.
-- Bounded: at most `count` pending entries and `count` new ones are looked at.
-- KEYS[1] inbox stream   KEYS[2] delivered hash (request id -> ms)
-- ARGV[1] group   ARGV[2] consumer   ARGV[3] min idle ms   ARGV[4] count   ARGV[5] max deliveries
-- ARGV[6] now ms
-- Returns JSON {requests, exhausted, overdue = [{id, fields, deliveries}], next_ms}: with nothing
-- handed out, next_ms says when the soonest delivered request becomes redeliverable.
local inbox, delivered, group, consumer = KEYS[1], KEYS[2], ARGV[1], ARGV[2]
local min_idle, count, max_deliveries = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local now = tonumber(ARGV[6])
if redis.call('EXISTS', inbox) == 0 then return cjson.encode({}) end
local function field(fields, name)
  for i = 1, #fields, 2 do
    if fields[i] == name then return fields[i + 1] end
  end
end
local requests, exhausted, overdue = {}, {}, {}
local function take(id, fields, deliveries)
  local item = { id = id, fields = fields, deliveries = deliveries }
  if tonumber(field(fields, 'expires_at') or '0') <= now then
    overdue[#overdue + 1] = item
  else
    requests[#requests + 1] = item
    redis.call('HSETNX', delivered, field(fields, 'request_id'), now)
  end
end
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
    -- XCLAIM (without JUSTID) counts the delivery; a deleted entry comes back without fields.
    local entry = redis.call('XCLAIM', inbox, group, consumer, min_idle, id)[1]
    if entry and entry[2] then
      take(id, entry[2], deliveries + 1)
    else
      redis.call('XACK', inbox, group, id)
    end
  end
end
local room = count - #requests
if room > 0 then
  local fresh = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', room, 'STREAMS', inbox, '>')
  if fresh then
    for _, entry in ipairs(fresh[1][2]) do take(entry[1], entry[2], 1) end
  end
end
local next_ms
if #requests == 0 then
  for _, p in ipairs(redis.call('XPENDING', inbox, group, '-', '+', 10)) do
    local wait = tonumber(min_idle) - p[3]
    if wait > 0 and (not next_ms or wait < next_ms) then next_ms = wait end
  end
end
return cjson.encode({ requests = requests, exhausted = exhausted, overdue = overdue, next_ms = next_ms })
