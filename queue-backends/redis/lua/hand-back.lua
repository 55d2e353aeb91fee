-- Hands the messages of consumers' own streams back to the channel's stream, atomically: those
-- of every consumer silent longer than the claim timeout (it died: kill -9, a lost host), or of
-- one consumer by name (it stops). The consumer leaves the live set first within the same
-- script, so no message is routed to its stream afterwards. A handed-back message is marked as
-- delivered again (field 'r'): its consumer may have been handling it.
-- KEYS[1]  the channel's stream
-- KEYS[2]  the channel's live consumers (hash: name -> last heartbeat, Redis time in ms)
-- ARGV[1]  the claim timeout in ms
-- ARGV[2]  optional: the one consumer to hand back (a consumer stopping)
-- returns  how many messages were handed back
local names = {}
if ARGV[2] then
  names[1] = ARGV[2]
else
  local t = redis.call('TIME')
  local now = t[1] * 1000 + math.floor(t[2] / 1000)
  local all = redis.call('HGETALL', KEYS[2])
  for i = 1, #all, 2 do
    if now - tonumber(all[i + 1]) > tonumber(ARGV[1]) then names[#names + 1] = all[i] end
  end
end
local moved = 0
for _, name in ipairs(names) do
  redis.call('HDEL', KEYS[2], name)
  local own = KEYS[1] .. ':c:' .. name
  local entries = redis.call('XRANGE', own, '-', '+')
  for _, entry in ipairs(entries) do
    local f = entry[2]
    local m, k = '', ''
    for i = 1, #f, 2 do
      if f[i] == 'm' then m = f[i + 1] elseif f[i] == 'k' then k = f[i + 1] end
    end
    redis.call('XADD', KEYS[1], '*', 'm', m, 'k', k, 'r', '1')
    moved = moved + 1
  end
  redis.call('DEL', own)
end
return moved
