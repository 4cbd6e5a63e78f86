-- The team's periodic wellbeing pass: resolve what is resolved, raise what is overdue. (Old
-- exposure events, check-ins and work are deleted by the retention pass, wellbeing/jobs.py.)
-- Idempotent (alerts are keyed by cause), so several API processes may run it.
-- ARGV[1]: now  ARGV[2]: team  ARGV[3]: grace seconds past the work limit before break_overdue
-- Returns the number of reviewers looked at.
-- needs: team_policy, P, wellbeing_key
-- needs: exposure_windows, budgets, used_fraction, clear_alert, settle_stretch, raise_alert
local now, team, grace = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local p = team_policy(team)
local ids = redis.call('SMEMBERS', P .. 'team:' .. team .. ':reviewers')
for _, rid in ipairs(ids) do
  local wkey = wellbeing_key(rid)
  local w = redis.call('HMGET', wkey, 'work_since', 'last_active', 'mood_factor', 'mood_until')
  local hour, day, week = exposure_windows(rid, now)
  local b = budgets(p, w[3], w[4], now)
  if used_fraction(b, hour, day, week) < 1 then clear_alert(team, 'budget_exceeded', rid, now) end
  if (tonumber(w[4]) or 0) <= now then clear_alert(team, 'low_mood', rid, now) end
  local since = settle_stretch(rid, w[1], w[2], now, p)
  if since and now - since >= p.max_continuous_work_seconds + grace then
    -- %.4g minutes: a limit of 30 s is 0.5, not 0.
    raise_alert(team, 'break_overdue', rid, rid, now, string.format(
      'Reviewer %s has worked %.4g minutes without a break (the limit is %.4g); the break starts'
      .. ' when the item in hand is done.', rid, math.floor((now - since) / 6) / 10,
      p.max_continuous_work_seconds / 60))
  elseif not since then
    clear_alert(team, 'break_overdue', rid, now)
  end
end
return #ids
