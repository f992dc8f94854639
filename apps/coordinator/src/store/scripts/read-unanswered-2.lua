-- Lists a recipient's unanswered requests, oldest first: delivered ones (with their delivery counts)
-- then ones not delivered yet. In 'deliver' mode the listed new ones become delivered; in 'peek'
-- mode nothing changes (for hooks). Bounded: at most `limit` small pointer entries are read,
-- whatever the size of the inbox.
-- KEYS[1] inbox stream   KEYS[2] delivered hash
-- ARGV[1] group   ARGV[2] consumer   ARGV[3] limit   ARGV[4] mode: 'deliver' or 'peek'   ARGV[5] now ms
-- Returns JSON {total, requests = [{id, fields, deliveries}]} (deliveries 0: never delivered).
local inbox, delivered, group, consumer = KEYS[1], KEYS[2], ARGV[1], ARGV[2]
local limit, mode, now = tonumber(ARGV[3]), ARGV[4], ARGV[5]
if redis.call('EXISTS', inbox) == 0 then return cjson.encode({ total = 0, requests = {} }) end
local requests = {}
for _, p in ipairs(redis.call('XPENDING', inbox, group, '-', '+', limit)) do
  local entry = redis.call('XRANGE', inbox, p[1], p[1])[1]
  if entry then
    requests[#requests + 1] = { id = p[1], fields = entry[2], deliveries = p[4] }
  end
end
local room = limit - #requests
if room > 0 then
  if mode == 'deliver' then
    local fresh = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', room, 'STREAMS', inbox, '>')
    for _, entry in ipairs(fresh and fresh[1][2] or {}) do
      for i = 1, #entry[2], 2 do
        if entry[2][i] == 'request_id' then redis.call('HSETNX', delivered, entry[2][i + 1], now) end
      end
      requests[#requests + 1] = { id = entry[1], fields = entry[2], deliveries = 1 }
    end
  else
    local last = '0-0'
    for _, g in ipairs(redis.call('XINFO', 'GROUPS', inbox)) do
      local info = {}
      for i = 1, #g, 2 do info[g[i]] = g[i + 1] end
      if info.name == group then last = info['last-delivered-id'] end
    end
    for _, entry in ipairs(redis.call('XRANGE', inbox, '(' .. last, '+', 'COUNT', room)) do
      requests[#requests + 1] = { id = entry[1], fields = entry[2], deliveries = 0 }
    end
  end
end
return cjson.encode({ total = redis.call('XLEN', inbox), requests = requests })
