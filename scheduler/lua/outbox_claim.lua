-- Take webhook events that are due, hiding them for a while so no other process sends them
-- at the same time; an event whose sender dies reappears when the hiding time passes.
-- KEYS[1]: outbox zset   ARGV[1]: now  ARGV[2]: how many at most  ARGV[3]: hide for seconds
-- Returns the event ids taken.
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
local until_ = tonumber(ARGV[1]) + tonumber(ARGV[3])
for _, id in ipairs(due) do
  redis.call('ZADD', KEYS[1], until_, id)
end
return due
