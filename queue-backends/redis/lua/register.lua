-- A consumer with a stream of its own says it is alive (send-keyed.lua routes to live ones).
-- KEYS[1]  the channel's live consumers (hash: name -> last heartbeat, Redis time in ms)
-- ARGV[1]  the consumer's name
-- returns  1
local t = redis.call('TIME')
redis.call('HSET', KEYS[1], ARGV[1], t[1] * 1000 + math.floor(t[2] / 1000))
return 1
