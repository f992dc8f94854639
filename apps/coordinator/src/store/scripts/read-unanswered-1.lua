-- Lists a recipient's unanswered requests, oldest first: delivered ones (with their delivery counts)
-- then ones not delivered yet. In 'deliver' mode the listed new ones become delivered (they join the
-- pending entries list); in 'peek' mode nothing changes, for hooks.
-- KEYS[1] inbox stream
-- ARGV[1] group   ARGV[2] consumer   ARGV[3] limit   ARGV[4] mode: 'deliver' or 'peek'
-- Returns JSON {total, requests = [{id, fields, deliveries}]} (deliveries 0: never delivered).
local inbox, group, consumer, limit, mode = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local function info()
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', inbox)) do
    local fields = {}
    for i = 1, #g, 2 do fields[g[i]] = g[i + 1] end
    if fields.name == group then return fields end
  end
end
if redis.call('EXISTS', inbox) == 0 then
  if mode == 'peek' then return cjson.encode({ total = 0, requests = {} }) end
  redis.call('XGROUP', 'CREATE', inbox, group, '0', 'MKSTREAM')
end
local g = info()
if not g then
  if mode == 'peek' then
    g = { pending = 0, ['last-delivered-id'] = '0-0' }
  else
    redis.call('XGROUP', 'CREATE', inbox, group, '0')
    g = info()
  end
end
local requests = {}
for _, p in ipairs(redis.call('XPENDING', inbox, group, '-', '+', limit)) do
  local entry = redis.call('XRANGE', inbox, p[1], p[1])[1]
  if entry then
    requests[#requests + 1] = { id = p[1], fields = entry[2], deliveries = p[4] }
  end
end
local undelivered = redis.call('XRANGE', inbox, '(' .. g['last-delivered-id'], '+', 'COUNT', 10000)
local total = g.pending + #undelivered
local room = limit - #requests
if room > 0 and #undelivered > 0 then
  if mode == 'deliver' then
    local fresh = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', room, 'STREAMS', inbox, '>')
    for _, entry in ipairs(fresh[1][2]) do
      requests[#requests + 1] = { id = entry[1], fields = entry[2], deliveries = 1 }
    end
  else
    for i = 1, math.min(room, #undelivered) do
      requests[#requests + 1] = { id = undelivered[i][1], fields = undelivered[i][2], deliveries = 0 }
    end
  end
end
return cjson.encode({ total = total, requests = requests })
