-- Give an item back: it returns to its place in the queue, for anyone but this reviewer.
-- KEYS[1]: assignment hash  KEYS[2]: leases zset  KEYS[3]: pool heads zset
-- ARGV[1]: reviewer  ARGV[2]: now  ARGV[3]: assignment id  ARGV[4]: reason
-- ARGV[5]: '1' to release it for anyone, this reviewer included (they are going on a break)
-- Returns {'ok', item id} or {error tag}.
-- needs: live_assignment, skippers_key, requeue, close_assignment, end_exposure
local now = tonumber(ARGV[2])
local a, err = live_assignment(KEYS[1], ARGV[3], ARGV[1], now)
if err then return {err == 'ended' and 'lease_lost' or err} end
local release = ARGV[5] == '1'
if not release then redis.call('SADD', skippers_key(a.item), ARGV[1]) end
requeue(a.item, KEYS[3])
local ended = release and 'released' or 'skipped'
close_assignment(ARGV[3], ARGV[1], KEYS[2], ended, now)
end_exposure(ARGV[3], now, ended, true, 0, '0', a)
redis.call('HSET', KEYS[1], 'skip_reason', ARGV[4])
return {'ok', a.item}
