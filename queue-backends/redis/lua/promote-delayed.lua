-- Moves delayed messages whose time has come onto their channel's stream, atomically, so
-- two servers polling at once never deliver one twice.
-- KEYS[1]  the delayed sorted set (score = due time in ms, member = JSON {c, m, k, id})
-- ARGV[1]  now, in ms
-- ARGV[2]  stream key prefix (the channel name is appended)
-- ARGV[3]  most members to move in one call
-- returns  how many were moved
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, member in ipairs(due) do
  local doc = cjson.decode(member)
  redis.call('XADD', ARGV[2] .. doc.c, '*', 'm', doc.m, 'k', doc.k)
  redis.call('ZREM', KEYS[1], member)
end
return #due
