-- Acknowledges a handled stream entry and deletes it, so the stream holds only what waits or
-- runs. One script instead of MULTI, XACK, XDEL, EXEC: still atomic (an entry is never
-- acknowledged and left in the stream, nor deleted while still pending), and one command
-- that rides the client's auto-pipelining (MULTI's transaction was 3–4 % of a scheduler's
-- busy CPU at full speed, with its pipeline object and reply unwrapping per entry).
-- KEYS[1]  the channel's stream
-- ARGV[1]  the consumer group
-- ARGV[2]  the entry id
-- returns  how many entries were deleted (0 when Redis lost the stream meanwhile)
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return redis.call('XDEL', KEYS[1], ARGV[2])
