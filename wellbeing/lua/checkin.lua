-- Record a check-in. A mood at or below the team's threshold scales the reviewer's budgets for
-- the rest of the UTC day and alerts the lead; a better one later resolves that alert. The mood
-- and note are the counsellor's to read: the lead's alert says neither (issue 19).
-- ARGV[1]: reviewer  ARGV[2]: team  ARGV[3]: now  ARGV[4]: mood 1-5  ARGV[5]: note
-- ARGV[6]: '1' when the team has a counsellor key (the alert says they were told)
-- Returns {check-in id, 1 if the mood was low}.
-- needs: team_policy, wellbeing_key, raise_alert, clear_alert
local rid, team, now, mood = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local p = team_policy(team)
local wkey = wellbeing_key(rid)
-- Kept as long as the exposure retention; the retention pass (wellbeing/jobs.py) trims them.
local id = redis.call('XADD', wkey .. ':checkins', '*', 'mood', mood, 'note', ARGV[5], 'at', now)
redis.call('HSET', wkey, 'last_checkin_at', now, 'last_mood', mood)
if mood <= p.low_mood_threshold then
  local midnight = (math.floor(now / 86400) + 1) * 86400
  redis.call('HSET', wkey, 'mood_factor', p.low_mood_budget_factor, 'mood_until', midnight)
  -- %.3g: a factor of 0.001 reads 0.1%, not 0%.
  local told = ARGV[6] == '1' and 'a counsellor was told' or
    'the team has no counsellor key yet, so no one was told (an admin can create one)'
  raise_alert(team, 'low_mood', rid, rid, now, string.format('Reviewer %s needs attention; %s.'
    .. ' Their budgets are at %.3g%% for the rest of the day.', rid, told,
    p.low_mood_budget_factor * 100))
  return {id, 1}
end
clear_alert(team, 'low_mood', rid, now)
return {id, 0}
