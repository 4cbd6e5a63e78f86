-- Record a reveal: the assignment's level only ever rises (blurred < grayscale < color).
-- KEYS[1]: assignment hash
-- ARGV[1]: reviewer  ARGV[2]: now  ARGV[3]: assignment id  ARGV[4]: level asked for
-- Returns {'ok', item id, level now in force} or {error tag}.
-- needs: live_assignment, audit
local rank = {blurred = 0, grayscale = 1, color = 2}
local now = tonumber(ARGV[2])
local a, err = live_assignment(KEYS[1], ARGV[3], ARGV[1], now)
if err then return {err == 'ended' and 'lease_lost' or err} end
local level = a.level
if rank[ARGV[4]] > rank[level] then level = ARGV[4] end
redis.call('HSET', KEYS[1], 'level', level)
redis.call('HINCRBY', KEYS[1], 'reveals', 1)
redis.call('HSET', KEYS[1], 'revealed_' .. ARGV[4] .. '_at', now)
audit(now, 'reveal', 'reviewer:' .. ARGV[1], ARGV[3], cjson.encode({item = a.item,
  level = ARGV[4]}))
return {'ok', a.item, level}
