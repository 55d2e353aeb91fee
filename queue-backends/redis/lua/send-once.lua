-- Sends a message unless one with the same id is outstanding (sent and not yet settled):
-- the mark and the message are written together, so a retried send never duplicates and a
-- crash never leaves a mark without its message. A message sent now marks its id with its
-- stream entry's id, so that a resend can tell whether that entry is still in the stream.
-- KEYS[1]  the id's mark (prefix:id:<channel>:<id>)
-- KEYS[2]  the channel's stream, or the delayed sorted set when ARGV[4] is given
-- ARGV[1]  the message: its JSON body (stream), or the delayed member document
-- ARGV[2]  the ordering key, or ''
-- ARGV[3]  how long the mark lives at most, in seconds (a settle that never comes)
-- ARGV[4]  the due time in ms (a delayed send), or '' (or absent)
-- ARGV[5]  optional '1': a resend (QueueMessageOptions.resend), sent now without a key: an
--          outstanding id whose entry left the stream (acknowledged and deleted, or lost)
--          does not hold it back
-- returns  1 when sent, 0 when the id was outstanding
local delayed = ARGV[4] ~= nil and ARGV[4] ~= ''
local mark = redis.call('GET', KEYS[1])
if mark then
  if ARGV[5] ~= '1' or delayed or mark == '1' then
    return 0
  end
  if #redis.call('XRANGE', KEYS[2], mark, mark) > 0 then
    return 0
  end
end
if delayed then
  redis.call('ZADD', KEYS[2], tonumber(ARGV[4]), ARGV[1])
  redis.call('SET', KEYS[1], '1', 'EX', tonumber(ARGV[3]))
else
  local entry = redis.call('XADD', KEYS[2], '*', 'm', ARGV[1], 'k', ARGV[2])
  redis.call('SET', KEYS[1], entry, 'EX', tonumber(ARGV[3]))
end
return 1
