-- The "avoided" figure of issue 17: the dose a reviewer or a team did not take because a prior
-- decision did the work (an `auto` match, a group decided at once, or an `assist` confirmation
-- made without a reveal). docs/dose.md says what is counted and why.
-- Every figure here is a rolling day and week over one-hour buckets, kept like the ledger's
-- (window_advance from ledger.lua): one hash per subject holding its running sums and its hour
-- buckets (numeric fields), so reading a window costs a few fields and nothing drifts.
-- Integers in micro-severe-minutes, like the ledger.
-- provides: XA, AVOIDED_KEPT, AVOIDED_MICRO, AVOIDED_SOUND, FALLBACK_REVIEW_SECONDS, avoided_key
-- provides: rolling_sums, rolling_add, avoided_review_seconds, avoided_dose
-- provides: exposure_avoided, exposure_avoided_by_match, exposure_decided
-- needs: window_advance, item_key, reviewer_key, record_fields, P
local XA = '{{EXPOSURE_PREFIX}}avoided:'
local AVOIDED_KEPT = {{AVOIDED_KEPT}}  -- seconds an idle subject's figures are kept
local AVOIDED_MICRO = {{MICRO}}
local AVOIDED_SOUND = {{SOUND_FACTOR}}
-- The seconds a review takes when the team has none in the last 24 hours (docs/dose.md).
local FALLBACK_REVIEW_SECONDS = {{FALLBACK_REVIEW_SECONDS}}

-- `kind`: 'reviewer', 'team', 'seen_seconds' or 'seen_items' (a team's reviews, the baseline).
local function avoided_key(kind, id) return XA .. kind .. ':' .. id end

-- Bring a subject's sums up to `now`; returns day, week. Buckets that leave the week go.
local function rolling_sums(key, now)
  local t = redis.call('HMGET', key, 'day_sum', 'day_low', 'week_sum', 'week_low', 'last_h')
  local day, day_low = tonumber(t[1]) or 0, tonumber(t[2]) or 0
  local week, week_low = tonumber(t[3]) or 0, tonumber(t[4]) or 0
  local last_h = tonumber(t[5]) or -1
  if last_h < 0 then return 0, 0 end  -- nothing yet: no key is made by reading
  local h = math.floor(now / 3600)
  if day_low >= h - 23 and week_low >= h - 167 then return day, week end
  local function at(x) return tonumber(redis.call('HGET', key, x)) end
  local old_week = week_low
  day, day_low = window_advance(day, day_low, h - 23, last_h, at)
  week, week_low = window_advance(week, week_low, h - 167, last_h, at)
  if h - 167 > last_h then  -- every bucket left the week: drop them all (at most 168)
    for _, f in ipairs(redis.call('HKEYS', key)) do
      if tonumber(f) then redis.call('HDEL', key, f) end
    end
  elseif week_low > old_week then
    for x = old_week, week_low - 1 do redis.call('HDEL', key, x) end
  end
  redis.call('HSET', key, 'day_sum', day, 'day_low', day_low, 'week_sum', week,
    'week_low', week_low)
  return day, week
end

-- Add `amount` (> 0) to the subject's current hour; returns day, week after it.
local function rolling_add(key, now, amount)
  local day, week = rolling_sums(key, now)
  local h = math.floor(now / 3600)
  redis.call('HINCRBY', key, h, amount)
  day, week = day + amount, week + amount
  redis.call('HSET', key, 'day_sum', day, 'week_sum', week, 'last_h', h)
  if redis.call('HSETNX', key, 'week_low', h - 167) == 1 then  -- a new subject
    redis.call('HSET', key, 'day_low', h - 23)
  end
  redis.call('EXPIRE', key, AVOIDED_KEPT)
  return day, week
end

-- Mean seconds on screen of the team's ordinary reviews over the last 24 hours.
local function avoided_review_seconds(team, now)
  local items = rolling_sums(avoided_key('seen_items', team), now)
  if items <= 0 then return FALLBACK_REVIEW_SECONDS end
  return rolling_sums(avoided_key('seen_seconds', team), now) / items
end

-- What the item would have cost the team at its default view (muted, at the level the team's
-- policy serves its category first: `view_defaults`, stored as view_<category>; `blurred` when
-- unnamed): the item's dose rate at that level times the team's mean review time. Micro units.
local function avoided_dose(team, item_id, now)
  local category = redis.call('HGET', item_key(item_id), 'view_category')
  local level = category and redis.call('HGET', P .. 'policy:' .. team, 'view_' .. category)
  local rate = tonumber(redis.call('HGET', item_key(item_id), 'rate_' .. (level or 'blurred')))
    or 0
  return math.floor(rate * avoided_review_seconds(team, now) * AVOIDED_MICRO + 0.5)
end

-- Count an item nobody had to review (fully or at all) as avoided for the team and, when a
-- reviewer was spared it, for them. `taken`: micro units the reviewer did take for it (0 when
-- nil). Returns what was added. Groups (issue 17) call this for each member the reviewer never
-- saw, with that reviewer and their team.
local function exposure_avoided(team, reviewer, item_id, now, taken)
  if not team or team == '' then return 0 end
  local amount = avoided_dose(team, item_id, now) - (taken or 0)
  if amount <= 0 then return 0 end
  rolling_add(avoided_key('team', team), now, amount)
  if reviewer and reviewer ~= '' then rolling_add(avoided_key('reviewer', reviewer), now, amount) end
  return amount
end

-- An `auto` match decided `item_id`: the team spared is the team (now) of the reviewer who made
-- the matched decision; nothing when that item or reviewer is gone.
local function exposure_avoided_by_match(matched_id, item_id, now)
  local by = redis.call('HGET', item_key(matched_id), 'decided_by')
  if not by or by == '' then return 0 end
  local team = redis.call('HGET', reviewer_key(by), 'team')
  return exposure_avoided(team, '', item_id, now)
end

-- A reviewer decided an item (decide.lua, after end_exposure): `a` is the assignment as
-- live_assignment read it, `verdict` the decision's, `disputed` true with not_a_match. A
-- confirmation (the `seen_before` verdict again, never revealed) adds what a normal review would
-- have cost minus what the reviewer took; any other decision is an ordinary review and feeds the
-- team's mean review time. Returns what was added to avoided.
local function exposure_decided(a, now, sound, verdict, disputed)
  local seconds = math.floor(math.max(0, math.min(now, a.expires_at) - a.started_at) + 0.5)
  local record = redis.call('HGET', item_key(a.item), 'match_record')
  if record and record ~= '' and not disputed and record_fields(record)[2] == verdict then
    if a.reveals > 0 then return 0 end  -- revealed: it was reviewed, nothing avoided
    local i = redis.call('HMGET', item_key(a.item), 'rate_' .. (a.level or 'blurred'),
      'media_type')
    local factor = (i[2] == 'video' and sound == '1') and AVOIDED_SOUND or 1
    local taken = math.floor((tonumber(i[1]) or 0) * seconds * factor * AVOIDED_MICRO + 0.5)
    return exposure_avoided(a.team, a.reviewer, a.item, now, taken)
  end
  if not a.team or a.team == '' then return 0 end
  if seconds > 0 then rolling_add(avoided_key('seen_seconds', a.team), now, seconds) end
  rolling_add(avoided_key('seen_items', a.team), now, 1)
  return 0
end
