-- Shared by the scripts that queue items and end assignments (the exposure and wellbeing
-- fragments it needs come before it: luascripts orders fragments by their `needs`).
-- provides: audit, head_member, enqueue, dequeue, requeue, close_assignment, SOUND_FACTOR
-- provides: end_exposure, expire_leases, queue_decided
-- needs: P, waiting_key, item_key, assignment_key, reviewer_key, MICRO_UNITS, team_policy
-- needs: exposure_record, wellbeing_after, group_release

-- Append to the audit log (scheduler/audit.py) in the caller's atomic step.
local function audit(now, action, actor, subject, detail)
  redis.call('XADD', P .. 'audit', '*', 'at', now, 'action', action, 'actor', actor,
    'subject', subject, 'detail', detail)
end

-- Queue the `item.decided` webhook of a decided item in the outbox (scheduler/webhooks.py
-- delivers it), in the deciding step. `event_id` is derived from what decided it (assignment,
-- match, group), so the same decision never queues two events.
local function queue_decided(event_id, item_id, now, outbox)
  redis.call('HSET', P .. 'event:' .. event_id, 'id', event_id, 'item', item_id,
    'type', 'item.decided', 'created_at', now, 'attempts', 0)
  redis.call('ZADD', outbox, now, event_id)
end

-- The heads index holds `<head item id>|<pool>` for every non-empty pool.
local function head_member(item_id, pool) return item_id .. '|' .. pool end

-- Add an item to a pool and its queue's waiting set; if it becomes the pool's head, say so in
-- the heads index.
local function enqueue(heads, pool, score, item_id, queue, created)
  local old = redis.call('ZRANGE', pool, 0, 0, 'WITHSCORES')
  redis.call('ZADD', pool, score, item_id)
  redis.call('ZADD', waiting_key(queue), created, item_id)
  score = tonumber(score)
  local old_score = tonumber(old[2])
  if not old[1] or score < old_score or (score == old_score and item_id < old[1]) then
    if old[1] then redis.call('ZREM', heads, head_member(old[1], pool)) end
    redis.call('ZADD', heads, score, head_member(item_id, pool))
  end
end

-- Take an item out of its pool; when it was the head, the next item becomes the pool's head.
local function dequeue(heads, pool, item_id, queue)
  local was_head = redis.call('ZREM', heads, head_member(item_id, pool)) == 1
  redis.call('ZREM', pool, item_id)
  redis.call('ZREM', waiting_key(queue), item_id)
  if was_head then
    local h = redis.call('ZRANGE', pool, 0, 0, 'WITHSCORES')
    if h[1] then redis.call('ZADD', heads, h[2], head_member(h[1], pool)) end
  end
end

-- Put an item back in its pool at its old score: it keeps its place in the queue, with its
-- group if it leads one.
local function requeue(item_id, heads)
  local ikey = item_key(item_id)
  local pool, score, queue, created = unpack(redis.call('HMGET', ikey, 'pool', 'score', 'queue',
    'created_at'))
  redis.call('HSET', ikey, 'status', 'queued', 'assignment', '')
  enqueue(heads, pool, score, item_id, queue, created)
  group_release(item_id)  -- a group's members come back with their leader (groups.lua)
end

-- End a live assignment: leases, the reviewer's current pointer, its final status.
local function close_assignment(aid, reviewer, leases, status, now)
  redis.call('HSET', assignment_key(aid), 'status', status, 'ended_at', now)
  redis.call('ZREM', leases, aid)
  local rkey = reviewer_key(reviewer)
  if redis.call('HGET', rkey, 'current') == aid then
    redis.call('HDEL', rkey, 'current')
  end
end

-- Record what the reviewer of an ending assignment was exposed to, and apply the wellbeing
-- rules that follow (exposure and wellbeing fragments come before this file). Seconds on screen
-- run from the claim to the end, never past the lease. `active`: the reviewer ended it.
local SOUND_FACTOR = {{SOUND_FACTOR}}  -- video with sound on, relative to a muted video
-- `a`: the assignment's fields as live_assignment reads them (nil: read them here). `rate`: the
-- speed the video played at, as the reviewer tool reports it ('' when it did not say).
local function end_exposure(aid, now, ended, active, played, sound, a, rate)
  if not a then
    local f = redis.call('HMGET', assignment_key(aid), 'item', 'reviewer', 'team', 'started_at',
      'expires_at', 'level', 'reveals')
    a = {item = f[1], reviewer = f[2], team = f[3], started_at = tonumber(f[4]),
      expires_at = tonumber(f[5]), level = f[6], reveals = tonumber(f[7]) or 0}
  end
  local item_id, rid, team = a.item, a.reviewer, a.team
  local level = a.level or 'blurred'
  local i = redis.call('HMGET', item_key(item_id), 'severity', 'media_type', 'labels',
    'rate_' .. level)
  local seconds = math.max(0, math.min(now, a.expires_at) - a.started_at)
  local factor = (i[2] == 'video' and sound == '1') and SOUND_FACTOR or 1
  local dose = math.floor((tonumber(i[4]) or 0) * seconds * factor * MICRO_UNITS + 0.5)
  local p = team_policy(team)
  local severity = tonumber(i[1]) or 0
  local ev = {severe = severity >= p.severe_threshold, media_type = i[2], level = level,
    held_until = math.min(now, a.expires_at)}
  local reveals = a.reveals
  local hour, day, week = exposure_record(rid, now, dose, ev.severe, reveals, seconds, {
    'item', item_id, 'assignment', aid, 'team', team, 'at', now, 'ended', ended,
    'media_type', i[2], 'labels', i[3], 'severity', i[1], 'severe', ev.severe and 1 or 0,
    'level', level, 'reveals', reveals, 'seconds', seconds, 'played_seconds', played,
    'video_seconds', i[2] == 'video' and played or 0, 'playback_rate', rate or '',
    'sound', sound, 'dose', dose})
  wellbeing_after(rid, team, now, p, ev, hour, day, week, active)
end

-- Requeue the items of up to `limit` leases that expired at or before `now`.
local function expire_leases(leases, heads, now, limit)
  local expired = redis.call('ZRANGEBYSCORE', leases, '-inf', now, 'LIMIT', 0, limit)
  for _, aid in ipairs(expired) do
    local item_id, reviewer = unpack(redis.call('HMGET', assignment_key(aid), 'item', 'reviewer'))
    if item_id and redis.call('HGET', item_key(item_id), 'assignment') == aid then
      requeue(item_id, heads)
      end_exposure(aid, now, 'expired', false, 0, '0')
    end
    close_assignment(aid, reviewer or '', leases, 'expired', now)
  end
  return #expired
end
