-- Sends a message unless one with the same id is outstanding (sent and not yet settled):
-- the mark and the message are written together, so a retried send never duplicates and a
-- crash never leaves a mark without its message.
-- KEYS[1]  the id's mark (prefix:id:<channel>:<id>)
-- KEYS[2]  the channel's stream, or the delayed sorted set when ARGV[4] is given
-- ARGV[1]  the message: its JSON body (stream), or the delayed member document
-- ARGV[2]  the ordering key, or ''
-- ARGV[3]  how long the mark lives at most, in seconds (a settle that never comes)
-- ARGV[4]  optional: the due time in ms (a delayed send)
-- returns  1 when sent, 0 when the id was outstanding
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[3])) then
  return 0
end
if ARGV[4] then
  redis.call('ZADD', KEYS[2], tonumber(ARGV[4]), ARGV[1])
else
  redis.call('XADD', KEYS[2], '*', 'm', ARGV[1], 'k', ARGV[2])
end
return 1
