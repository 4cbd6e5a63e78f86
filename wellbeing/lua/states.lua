-- Each reviewer's exposure and wellbeing state, for /v1/me/exposure and the team dashboard.
-- Window sums are brought up to now on the way (hence a script, not reads).
-- Callers pass a few hundred reviewers per call (a team goes in several calls, pipelined), so
-- no call holds Redis for long.
-- ARGV[1]: now  ARGV[2..]: reviewer ids
-- Returns, per reviewer, the values named by wellbeing.state.STATE_FIELDS, flat.
-- needs: reviewer_key, team_policy, wellbeing_key, exposure_windows, budgets, live_until
-- needs: settle_stretch
local now = tonumber(ARGV[1])
local policies, out = {}, {}
for n = 2, #ARGV do
  local rid = ARGV[n]
  local r = redis.call('HMGET', reviewer_key(rid), 'team', 'current')
  local team = r[1] or ''
  policies[team] = policies[team] or team_policy(team)
  local p = policies[team]
  local w = redis.call('HMGET', wellbeing_key(rid), 'work_since', 'last_active', 'break_until',
    'break_reason', 'last_break_at', 'last_checkin_at', 'last_mood', 'mood_factor', 'mood_until',
    'first_active_at')
  local hour, day, week, consecutive = exposure_windows(rid, now)
  local _, factor, b = budgets(p, w[8], w[9], now)
  local expires = live_until(r[2], now) or ''
  local live = expires ~= '' and r[2] or ''
  local since = settle_stretch(rid, w[1], w[2], now, p, live ~= '')
  if w[1] and not since then w[5] = w[2] end  -- the stretch just ended in a break: show it
  since = since or ''
  -- Budgets in severe-minutes to 17 digits, so Python divides the very numbers Lua divided.
  local bh, bd, bw = string.format('%.17g', b.hour), string.format('%.17g', b.day),
    string.format('%.17g', b.week)
  for _, v in ipairs({rid, team, hour, day, week, bh, bd, bw, factor, consecutive,
      since, w[2] or '', w[3] or '', w[4] or '', w[5] or '', w[6] or '', w[7] or '', live,
      expires, p.max_continuous_work_seconds, p.break_seconds, p.checkin_interval_seconds,
      w[10] or ''}) do
    out[#out + 1] = tostring(v)
  end
end
return out
