-- Acknowledges handled stream entries and deletes them, so the stream holds only what waits or
-- runs. One script instead of MULTI, XACK, XDEL, EXEC: still atomic (an entry is never
-- acknowledged and left in the stream, nor deleted while still pending), and one command
-- that rides the client's auto-pipelining (MULTI's transaction was 3–4 % of a scheduler's
-- busy CPU at full speed, with its pipeline object and reply unwrapping per entry). The
-- entries a consumer finished within one turn of its event loop go in one call.
-- KEYS[1]  the channel's stream
-- ARGV[1]  the consumer group
-- ARGV[2…] the entry ids
-- returns  how many entries were deleted (0 when Redis lost the stream meanwhile)
local ids = {}
for i = 2, #ARGV do ids[#ids + 1] = ARGV[i] end
redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
return redis.call('XDEL', KEYS[1], unpack(ids))
