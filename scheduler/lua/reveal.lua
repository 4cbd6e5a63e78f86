-- Record a reveal: the assignment's level only ever rises (blurred < stylized < grayscale <
-- color, scheduler.items.LEVELS). A reveal of faces (colour only: the API refuses it with any
-- other level) is recorded as its own reveal: `revealed_faces_at`, and `faces` in the audit.
-- KEYS[1]: assignment hash
-- ARGV[1]: reviewer  ARGV[2]: now  ARGV[3]: assignment id  ARGV[4]: level asked for
-- ARGV[5]: '1' to show faces
-- Returns {'ok', item id, level now in force} or {error tag}.
-- needs: live_assignment, audit
local rank = {blurred = 0, stylized = 1, grayscale = 2, color = 3}
local now = tonumber(ARGV[2])
local a, err = live_assignment(KEYS[1], ARGV[3], ARGV[1], now)
if err then return {err == 'ended' and 'lease_lost' or err} end
local level = a.level
if rank[ARGV[4]] > (rank[level] or 0) then level = ARGV[4] end
redis.call('HSET', KEYS[1], 'level', level)
redis.call('HINCRBY', KEYS[1], 'reveals', 1)
redis.call('HSET', KEYS[1], 'revealed_' .. ARGV[4] .. '_at', now)
local detail = {item = a.item, level = ARGV[4]}
if ARGV[5] == '1' then
  redis.call('HSET', KEYS[1], 'revealed_faces_at', now)
  detail.faces = true
end
audit(now, 'reveal', 'reviewer:' .. ARGV[1], ARGV[3], cjson.encode(detail))
return {'ok', a.item, level}
