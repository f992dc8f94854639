-- Trims a stream read through a consumer group without ever dropping an entry that is pending or
-- not yet delivered: everything below the oldest pending entry (or, with none pending, up to the
-- last delivered one) goes, and, when min-age is given, also undelivered entries older than it.
-- Never MAXLEN: that can drop unanswered requests.
-- KEYS[1] stream
-- ARGV[1] group   ARGV[2] oldest id to keep by age ('' to keep undelivered entries of any age)
-- Returns the number of entries removed.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local last
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local fields = {}
  for i = 1, #g, 2 do fields[g[i]] = g[i + 1] end
  if fields.name == ARGV[1] then last = fields['last-delivered-id'] end
end
if not last then return 0 end
local summary = redis.call('XPENDING', KEYS[1], ARGV[1])
local min_id
if summary[1] > 0 then
  min_id = summary[2]
else
  local ms, seq = string.match(last, '^(%d+)-(%d+)$')
  min_id = ms .. '-' .. (tonumber(seq) + 1)
  if ARGV[2] ~= '' then
    local age_ms = tonumber(string.match(ARGV[2], '^(%d+)'))
    if age_ms > tonumber(ms) then min_id = ARGV[2] end
  end
end
return redis.call('XTRIM', KEYS[1], 'MINID', min_id)
