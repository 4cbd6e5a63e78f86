-- Wellbeing rules, for the scripts that claim, end assignments, or read and act on a reviewer's
-- state; they read the scheduler's keys (scheduler/lua/keys.lua) and the exposure windows
-- (exposure/lua/ledger.lua). The policy defaults and the steering constants come from
-- wellbeing/policy.py at load time.
-- provides: STEER_FRACTION, STEER_DEADLINE, TEAMMATE_ACTIVE, MICRO_UNITS, wellbeing_key
-- provides: team_policy, budgets, used_fraction, raise_alert, clear_alert, break_end_text
-- provides: start_break, live_until, settle_stretch, teammates_with_more, at_work, wellbeing_gate
-- provides: wellbeing_claimed, wellbeing_after, TINIEST_BUDGET, LONGEST_SECONDS, DURATIONS
-- provides: band_at_or_above, work_key, record_work, work_between, week_release, WEEK, WEEK_ROOM
-- needs: P, assignment_key, reviewer_key, exposure_windows
local STEER_FRACTION = {{STEER_FRACTION}}
local STEER_DEADLINE = {{STEER_DEADLINE_SECONDS}}
local TEAMMATE_ACTIVE = {{TEAMMATE_ACTIVE_SECONDS}}
local MICRO_UNITS = {{MICRO}}
-- The smallest positive double: a tiny budget times a tiny low-mood factor is still a budget.
local TINIEST_BUDGET = 4.9406564584124654e-324
-- Durations act as at most a century (wellbeing.policy.LONGEST_SECONDS): longer is never in
-- practice, and now + it stays a time that Lua, Redis and datetimes can hold, and a dose over it
-- a whole number Redis can count.
local LONGEST_SECONDS = {{LONGEST_SECONDS}}
local DURATIONS = {'cooldown_after_severe_seconds', 'max_continuous_work_seconds', 'break_seconds',
  'checkin_interval_seconds', 'lease_seconds', 'fair_share_max_wait_seconds',
  'max_work_seconds_per_day', 'max_work_seconds_per_week'}
local WEEK = 7 * 86400
local WEEK_ROOM = {{WEEK_ROOM_SECONDS}}

local function wellbeing_key(rid) return P .. 'wellbeing:' .. rid end

-- Working time: each ended stretch of work is one member "<from>:<to>" scored by its end
-- (wellbeing.worktime reads them for days, the record and payroll). The stretch under way is
-- work_since .. now, counted by the readers.
local function work_key(rid) return P .. 'wellbeing:' .. rid .. ':work' end

local function record_work(rid, from, to)
  from, to = tonumber(from), tonumber(to)
  if not from or not to or to <= from then return end
  local key = work_key(rid)
  -- Kept as long as the exposure retention; the retention pass (wellbeing/jobs.py) trims it.
  redis.call('ZADD', key, to, string.format('%.3f:%.3f', from, to))
end

-- Seconds at work in [lo, hi]: the ended stretches and the one under way (since, or nil), and
-- the pieces, oldest first, for week_release.
local function work_between(rid, lo, hi, since)
  local total, pieces = 0, {}
  local ended = redis.call('ZRANGEBYSCORE', work_key(rid), '(' .. lo, '+inf')
  for _, m in ipairs(ended) do
    local a, b = string.match(m, '^([^:]+):(.+)$')
    a, b = math.max(tonumber(a), lo), math.min(tonumber(b), hi)
    if b > a then
      total = total + b - a
      pieces[#pieces + 1] = {a, b}
    end
  end
  if since and hi > math.max(since, lo) then
    total = total + hi - math.max(since, lo)
    pieces[#pieces + 1] = {math.max(since, lo), hi}
  end
  return total, pieces
end

-- When the rolling week has WEEK_ROOM of room under `limit` again, if no more work is done:
-- the oldest work leaves the window first.
local function week_release(pieces, worked, limit, now)
  local shed, excess = 0, worked - math.max(limit - WEEK_ROOM, 0)
  for _, piece in ipairs(pieces) do
    local len = piece[2] - piece[1]
    if shed + len >= excess then return math.max(piece[1] + (excess - shed) + WEEK, now) end
    shed = shed + len
  end
  local last = pieces[#pieces]
  return math.max(last and last[2] + WEEK or now, now)
end

-- The team's policy: the fields its lead set, the defaults for the rest. (The defaults are a
-- literal built where they are needed: a script runs its whole prelude on every call.)
local function team_policy(team)
  local p = {{POLICY_DEFAULTS}}
  local stored = redis.call('HGETALL', P .. 'policy:' .. team)
  -- Numbers, but for the time zone's name (the one text field: wellbeing.policy.Policy).
  for i = 1, #stored, 2 do p[stored[i]] = tonumber(stored[i + 1]) or stored[i + 1] end
  for _, name in ipairs(DURATIONS) do
    if p[name] and p[name] > LONGEST_SECONDS then p[name] = LONGEST_SECONDS end
  end
  return p
end

-- Budgets in micro units; a low mood scales them until its day ends. Floats, never rounded to
-- whole units: doses are whole units, so a budget under one unit still caps at the first unit,
-- and shares of it stay exact. Never 0 (a tiny budget times a tiny factor underflows to 0, and
-- 0/0 is nan, which caps nothing); one too large for micro units is inf, which nothing reaches.
-- Also returned: the factor, and the budgets in severe-minutes (finite) for people to read.
local function budgets(p, mood_factor, mood_until, now)
  local f = 1
  if mood_until and tonumber(mood_until) and tonumber(mood_until) > now then
    f = tonumber(mood_factor) or 1
  end
  local minutes = {hour = math.max(p.budget_hour * f, TINIEST_BUDGET),
    day = math.max(p.budget_day * f, TINIEST_BUDGET),
    week = math.max(p.budget_week * f, TINIEST_BUDGET)}
  return {hour = minutes.hour * MICRO_UNITS, day = minutes.day * MICRO_UNITS,
    week = minutes.week * MICRO_UNITS}, f, minutes
end

local function used_fraction(b, hour, day, week)
  return math.max(hour / b.hour, day / b.day, week / b.week)
end

-- The lowest severity band (hundredths) at or above a threshold. Items' effective severities are
-- whole hundredths, so an item is at or above the threshold exactly when its band is at or above
-- this (as the ledger judges severe: severity >= threshold). Rounding the threshold instead put
-- 0.004 in band 0, where every item, even one of severity 0, counted as severe and was refused
-- once a budget was spent. Float care: 0.7 * 100 is 70.00000000000001.
local function band_at_or_above(threshold)
  local b = math.ceil(threshold * 100)
  while b > 0 and (b - 1) / 100 >= threshold do b = b - 1 end
  while b / 100 < threshold do b = b + 1 end
  return b
end

-- One open alert per (team, type, subject): raising it again changes nothing.
local function raise_alert(team, kind, subject, reviewer, now, detail)
  local open = P .. 'alerts:open'
  local field = team .. '|' .. kind .. '|' .. subject
  if redis.call('HEXISTS', open, field) == 1 then return nil end
  local id = 'alr_' .. redis.call('INCR', P .. 'alerts:seq')
  redis.call('HSET', P .. 'alert:' .. id, 'id', id, 'type', kind, 'team', team,
    'subject', subject, 'reviewer', reviewer, 'created_at', now, 'detail', detail)
  redis.call('ZADD', P .. 'alerts:' .. team, now, id)
  redis.call('HSET', open, field, id)
  return id
end

local function clear_alert(team, kind, subject, now)
  local open = P .. 'alerts:open'
  local field = team .. '|' .. kind .. '|' .. subject
  local id = redis.call('HGET', open, field)
  if not id then return end
  redis.call('HDEL', open, field)
  redis.call('ZREM', P .. 'alerts:' .. team, id)
  redis.call('HSET', P .. 'alert:' .. id, 'resolved_at', now)
  redis.call('EXPIRE', P .. 'alert:' .. id, 30 * 86400)  -- resolved alerts: kept a month
end

-- A break's end as replies report it: rounded up to the millisecond, so a client retrying at
-- the time it was told is never a hair early (tostring keeps 14 digits, which can fall just
-- before the stored end).
local function break_end_text(till)
  return string.format('%.3f', math.ceil(till * 1000) / 1000)
end

local function start_break(rid, team, now, seconds, reason)
  local wkey = wellbeing_key(rid)
  local current = tonumber(redis.call('HGET', wkey, 'break_until')) or 0
  local till = math.max(current, now + seconds)
  record_work(rid, redis.call('HGET', wkey, 'work_since'), now)
  redis.call('HSET', wkey, 'break_until', till, 'break_reason', reason, 'last_break_at', now)
  redis.call('HDEL', wkey, 'work_since')
  clear_alert(team, 'break_overdue', rid, now)
  return till
end

-- The lease expiry (as stored) of assignment `aid` if it is live at `now`, else nil.
local function live_until(aid, now)
  if not aid then return nil end
  local a = redis.call('HMGET', assignment_key(aid), 'status', 'expires_at')
  if a[1] == 'live' and tonumber(a[2]) > now then return a[2] end
  return nil
end

-- The start of the reviewer's current stretch of work, or nil. Away for as long as a break
-- (no claim, heartbeat or decision, and no item in hand): that was a break, recorded as one and
-- the stretch ends, and its time at work is recorded. `in_hand`: whether the reviewer holds a
-- live lease, if the caller already knows (nil: looked up, only when the gap is long enough to
-- matter).
local function settle_stretch(rid, work_since, last_active, now, p, in_hand)
  local since, active = tonumber(work_since), tonumber(last_active) or 0
  -- An item in hand is work however long since the last heartbeat: pages heartbeat every third
  -- of the lease, which can be longer than the team's break.
  if since and now - active >= p.break_seconds then
    if in_hand == nil then
      in_hand = live_until(redis.call('HGET', reviewer_key(rid), 'current'), now) ~= nil
    end
    if in_hand then return since end
    local wkey = wellbeing_key(rid)
    record_work(rid, since, active)
    redis.call('HSET', wkey, 'last_break_at', active)
    redis.call('HDEL', wkey, 'work_since')
    return nil
  end
  return since
end

-- Teammates with more than `headroom` of their day budget left, most first (at most 8): whom
-- items may be left for. The claim reads them, and whether one is at work (at_work) and may take
-- the item (their profile), only when an item would be left, so a claim pays only when it matters.
local function teammates_with_more(team, rid, headroom)
  local found = {}
  for _, other in ipairs(redis.call('ZREVRANGEBYSCORE', P .. 'team:' .. team .. ':headroom',
      '+inf', '(' .. headroom, 'LIMIT', 0, 8)) do
    if other ~= rid then found[#found + 1] = other end
  end
  return found
end

-- Was the teammate active lately, and are they not on a break?
local function at_work(other, now)
  local s = redis.call('HMGET', wellbeing_key(other), 'last_active', 'break_until')
  return now - (tonumber(s[1]) or 0) <= TEAMMATE_ACTIVE and (tonumber(s[2]) or 0) <= now
end

-- What this reviewer may take now. Returns ({brk = until, reason = ...} or the claim limits:
-- max_band, severe_band, prefer_mild; defer_after, defer_band, defer_since and helper_headroom
-- (items at or above defer_band, due after defer_after and created after defer_since if set, are
-- left for a teammate with more than helper_headroom of their day budget left: the claim reads
-- them with teammates_with_more only when an item would be left); and whether a stretch of work
-- is under way), and the team's policy. The claim asks only once it knows the reviewer holds no
-- live item (it hands that one back instead), so an item in hand is always finished: past a
-- working-time limit, nothing new is handed out. `days`: 'zone start end ...', the bounds of
-- today in each time zone the caller knows (Python computes them: Lua has no tz database); a
-- team whose zone is not among them gets {zone = name} back, for the caller to ask again with it.
local function wellbeing_gate(rid, team, now, days)
  local p = team_policy(team)
  local zone = p.timezone or 'UTC'
  local day_start, day_end
  for name, first, last in string.gmatch(days, '(%S+) (%S+) (%S+)') do
    if name == zone then day_start, day_end = tonumber(first), tonumber(last) end
  end
  if not day_start then return {zone = zone}, p end
  local wkey = wellbeing_key(rid)
  local w = redis.call('HMGET', wkey, 'break_until', 'break_reason', 'work_since', 'last_active',
    'mood_factor', 'mood_until')
  local till = tonumber(w[1]) or 0
  if till > now then return {brk = till, reason = w[2]}, p end
  local since = settle_stretch(rid, w[3], w[4], now, p, false)
  if since and now - since >= p.max_continuous_work_seconds then
    return {brk = start_break(rid, team, now, p.break_seconds, 'continuous_work'),
      reason = 'continuous_work'}, p
  end
  local release = 0
  if work_between(rid, day_start, now, since) >= p.max_work_seconds_per_day then
    release = day_end
  end
  local worked, pieces = work_between(rid, now - WEEK, now, since)
  if worked >= p.max_work_seconds_per_week then
    release = math.max(release, week_release(pieces, worked, p.max_work_seconds_per_week, now))
  end
  if release > now then
    return {brk = start_break(rid, team, now, release - now, 'workday_over'),
      reason = 'workday_over'}, p
  end
  local hour, day, week, consecutive = exposure_windows(rid, now)
  local b = budgets(p, w[5], w[6], now)
  local severe_band = band_at_or_above(p.severe_threshold)
  local lim = {max_band = 100, severe_band = severe_band, prefer_mild = false, defer_after = 0,
    defer_band = 101, working = since ~= nil}
  local used, headroom = used_fraction(b, hour, day, week), 1 - day / b.day
  if used >= 1 then
    lim.max_band = severe_band - 1  -- budget spent: nothing severe until the window clears
  elseif used >= STEER_FRACTION then
    -- Steering: near a budget, severe items go to any teammate with more of the day left.
    lim.helper_headroom, lim.defer_band = headroom, severe_band
  elseif p.fair_share_margin < 1 then
    -- Fair shares: items at or above the threshold go to a teammate behind by the margin, while
    -- the item is young.
    lim.helper_headroom = headroom + p.fair_share_margin
    lim.defer_band = band_at_or_above(p.fair_share_threshold)
    lim.defer_since = now - p.fair_share_max_wait_seconds
  end
  if lim.helper_headroom then lim.defer_after = now + STEER_DEADLINE end
  if consecutive >= p.max_consecutive_severe then lim.prefer_mild = true end
  return lim, p
end

-- A claim was granted: the reviewer is active, and a stretch of work starts if none was going.
local function wellbeing_claimed(rid, now, lim)
  if lim.working then
    redis.call('HSET', wellbeing_key(rid), 'last_active', now)
  else
    redis.call('HSET', wellbeing_key(rid), 'last_active', now, 'work_since', now)
    -- Check-ins fall due from the first claim until one is made: counting from each stretch
    -- would never ask someone whose breaks come more often than the check-in interval.
    redis.call('HSETNX', wellbeing_key(rid), 'first_active_at', now)
  end
end

-- The rules that follow an exposure: cool-down, budget alerts, the team's headroom. `active`:
-- the reviewer ended it themselves (not a lease that ran out).
local function wellbeing_after(rid, team, now, p, ev, hour, day, week, active)
  local wkey = wellbeing_key(rid)
  local w = redis.call('HMGET', wkey, 'break_until', 'mood_factor', 'mood_until', 'last_active')
  if not active and ev.held_until and ev.held_until > (tonumber(w[4]) or 0) then
    -- A lease that ran out was held, and holding an item is work, until it ended.
    redis.call('HSET', wkey, 'last_active', ev.held_until)
  end
  if active then
    redis.call('HSET', wkey, 'last_active', now)
    local cool = p.cooldown_after_severe_seconds
    if ev.severe and cool > 0 and (ev.media_type == 'video' or ev.level == 'color')
       and now + cool > (tonumber(w[1]) or 0) then
      redis.call('HSET', wkey, 'break_until', now + cool, 'break_reason', 'cooldown')
    end
  end
  local b, factor = budgets(p, w[2], w[3], now)
  local sums = {hour = hour, day = day, week = week}
  for _, window in ipairs({'week', 'day', 'hour'}) do
    if sums[window] >= b[window] then
      raise_alert(team, 'budget_exceeded', rid, rid, now, string.format(
        'Reviewer %s has used %.4g of %.4g severe-minutes in the rolling %s; severe items'
        .. ' go to others until it clears.', rid, sums[window] / MICRO_UNITS,
        b[window] / MICRO_UNITS, window))
      break
    end
  end
  redis.call('ZADD', P .. 'team:' .. team .. ':headroom', 1 - day / b.day, rid)
  return factor
end
