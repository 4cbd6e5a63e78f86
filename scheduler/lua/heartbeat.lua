-- Extend a live lease.
-- KEYS[1]: assignment hash  KEYS[2]: leases zset
-- ARGV[1]: reviewer  ARGV[2]: now  ARGV[3]: assignment id  ARGV[4]: default lease seconds
-- (the team's policy may set its own)
-- Returns {'ok', new expiry} or {error tag}.
-- needs: live_assignment, team_policy, wellbeing_key
local now = tonumber(ARGV[2])
local a, err = live_assignment(KEYS[1], ARGV[3], ARGV[1], now)
if err then return {err == 'ended' and 'lease_lost' or err} end
local expires = now + (team_policy(a.team).lease_seconds or tonumber(ARGV[4]))
redis.call('HSET', wellbeing_key(ARGV[1]), 'last_active', now)
redis.call('HSET', KEYS[1], 'expires_at', expires)
redis.call('ZADD', KEYS[2], expires, ARGV[3])
return {'ok', tostring(expires)}
