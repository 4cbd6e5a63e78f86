-- The exposure ledger: a fragment for every script that ends an assignment or reads a window.
-- Doses are integers in micro-severe-minutes (exposure.keys.MICRO), so sums never drift.
-- Rolling windows are running sums over buckets: the hour over one-minute buckets, the day (24)
-- and the week (168) over one-hour buckets. A sum drops its buckets as they leave its window, so
-- reading a window costs a few fields however long the history is.
-- The event stream is the reviewer's record: kept as long as SAFESHIFT_EXPOSURE_RETENTION_DAYS
-- says and trimmed by one rule in one place, the retention pass (wellbeing/jobs.py), never here.
-- provides: XP, EXPOSURE_RETENTION, exposure_key, exposure_day_key, exposure_events_key
-- provides: exposure_windows, exposure_record, window_advance
local XP = '{{EXPOSURE_PREFIX}}exposure:'
local EXPOSURE_RETENTION = {{EXPOSURE_RETENTION}}  -- seconds hour buckets are kept (not events)

local function exposure_key(rid) return XP .. rid end
local function exposure_day_key(rid, hour)
  return XP .. rid .. ':day:' .. math.floor(hour / 24)
end
local function exposure_events_key(rid) return XP .. rid .. ':events' end

-- Drop from a running sum the hour buckets in [old, new) that left its window. At most one
-- window's worth, since `old` was current when the last bucket was written (`last_h`);
-- `bucket(x)` reads hour x's value. Returns the sum and the window's new low hour. Shared by
-- the ledger and the avoided figure (avoided.lua), which keep their buckets differently.
local function window_advance(sum, old, new, last_h, bucket)
  if old >= new then return sum, old end
  if sum == 0 or new > last_h then return 0, new end
  for x = old, new - 1 do sum = sum - (bucket(x) or 0) end
  return sum, new
end

-- Bring the reviewer's window sums up to `now`. Returns hour, day, week (micro units) and the
-- number of severe items in a row.
local function exposure_windows(rid, now)
  local key = exposure_key(rid)
  local t = redis.call('HMGET', key, 'hour_sum', 'hour_low', 'day_sum', 'day_low', 'week_sum',
    'week_low', 'last_h', 'last_m', 'consecutive_severe')
  local hour, hour_low = tonumber(t[1]) or 0, tonumber(t[2]) or 0
  local day, day_low = tonumber(t[3]) or 0, tonumber(t[4]) or 0
  local week, week_low = tonumber(t[5]) or 0, tonumber(t[6]) or 0
  local last_h, last_m = tonumber(t[7]) or -1, tonumber(t[8]) or -1
  local m, h = math.floor(now / 60), math.floor(now / 3600)
  local changed = false

  local low = m - 59
  if hour_low < low then
    local mkey = key .. ':minutes'
    if hour == 0 or last_m < low then
      hour = 0
      redis.call('DEL', mkey)
    else
      local buckets = redis.call('HGETALL', mkey)
      for i = 1, #buckets, 2 do
        if tonumber(buckets[i]) < low then
          hour = hour - tonumber(buckets[i + 1])
          redis.call('HDEL', mkey, buckets[i])
        end
      end
    end
    hour_low, changed = low, true
  end

  local function dose_at(x)
    return tonumber(redis.call('HGET', exposure_day_key(rid, x), x .. ':dose'))
  end
  local old_day, old_week = day_low, week_low
  day, day_low = window_advance(day, day_low, h - 23, last_h, dose_at)
  week, week_low = window_advance(week, week_low, h - 167, last_h, dose_at)
  changed = changed or day_low ~= old_day or week_low ~= old_week
  if changed then
    redis.call('HSET', key, 'hour_sum', hour, 'hour_low', hour_low, 'day_sum', day,
      'day_low', day_low, 'week_sum', week, 'week_low', week_low)
  end
  return hour, day, week, tonumber(t[9]) or 0
end

-- Append one exposure event and fold it into the buckets and window sums, in the caller's
-- atomic step. `fields`: the event as field, value pairs. Returns the window sums after it and
-- the severe items in a row.
local function exposure_record(rid, now, dose, severe, reveals, seconds, fields)
  local hour, day, week, consecutive = exposure_windows(rid, now)
  local key = exposure_key(rid)
  local m, h = math.floor(now / 60), math.floor(now / 3600)
  local dkey = exposure_day_key(rid, h)
  if dose > 0 then redis.call('HINCRBY', key .. ':minutes', m, dose) end
  redis.call('HINCRBY', dkey, h .. ':dose', dose)
  if redis.call('HINCRBY', dkey, h .. ':items', 1) == 1 then  -- an hour's first: keep the day
    redis.call('EXPIRE', dkey, EXPOSURE_RETENTION + 86400)
  end
  redis.call('HINCRBY', dkey, h .. ':seconds', math.floor(seconds + 0.5))
  if reveals > 0 then redis.call('HINCRBY', dkey, h .. ':reveals', reveals) end
  if severe then
    redis.call('HINCRBY', dkey, h .. ':severe', 1)
    consecutive = consecutive + 1
  else
    consecutive = 0
  end
  hour, day, week = hour + dose, day + dose, week + dose
  redis.call('HSET', key, 'hour_sum', hour, 'day_sum', day, 'week_sum', week, 'last_h', h,
    'last_m', m, 'consecutive_severe', consecutive, 'last_at', now)
  -- Events are folded above, in this same step, so trimming them later never changes a window.
  redis.call('XADD', exposure_events_key(rid), '*', unpack(fields))
  return hour, day, week, consecutive
end
