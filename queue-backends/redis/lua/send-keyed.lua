-- Sends a keyed message to the consumer that last took a message of its key, when that
-- consumer is alive, else to the channel's stream (any consumer). An execution's events then
-- reach the scheduler that holds it in memory: with several schedulers, events handled by
-- each in turn made the other save at a stale version, conflict and read the execution again.
-- KEYS[1]  the channel's stream (a consumer's own stream is this name, ':c:' and its name)
-- KEYS[2]  the key's owner (prefix:o:<channel>:<key>: the name of the consumer that took it last)
-- KEYS[3]  the channel's live consumers (hash: name -> last heartbeat, Redis time in ms)
-- ARGV[1]  the message's JSON body
-- ARGV[2]  the ordering key
-- ARGV[3]  optional: a consumer of the channel in the sending process, which takes a key nobody
--          holds (the scheduler that creates an execution holds it in memory already)
-- ARGV[4]  with ARGV[3]: how long the key stays its, in seconds
-- returns  the entry id
local owner = redis.call('GET', KEYS[2])
if owner and redis.call('HEXISTS', KEYS[3], owner) == 1 then
  return redis.call('XADD', KEYS[1] .. ':c:' .. owner, '*', 'm', ARGV[1], 'k', ARGV[2])
end
if ARGV[3] and redis.call('HEXISTS', KEYS[3], ARGV[3]) == 1 then
  redis.call('SET', KEYS[2], ARGV[3], 'EX', tonumber(ARGV[4]))
  return redis.call('XADD', KEYS[1] .. ':c:' .. ARGV[3], '*', 'm', ARGV[1], 'k', ARGV[2])
end
return redis.call('XADD', KEYS[1], '*', 'm', ARGV[1], 'k', ARGV[2])
