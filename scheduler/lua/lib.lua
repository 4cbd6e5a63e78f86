-- Shared by the scripts that end an assignment. Prepended to them at load time.
-- The item and assignment keys are derived from ids here because the ids are only known inside
-- the atomic step; Safeshift runs on one Redis primary (see README), not Redis Cluster.
local P = '{{PREFIX}}'

local function item_key(id) return P .. 'item:' .. id end
local function assignment_key(id) return P .. 'assignment:' .. id end
local function reviewer_key(reviewer) return P .. 'reviewer:' .. reviewer end
local function waiting_key(queue) return P .. 'queue:' .. queue .. ':waiting' end

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

-- Put an item back in its pool at its old score: it keeps its place in the queue.
local function requeue(item_id, heads)
  local ikey = item_key(item_id)
  local pool, score, queue, created = unpack(redis.call('HMGET', ikey, 'pool', 'score', 'queue',
    'created_at'))
  redis.call('HSET', ikey, 'status', 'queued', 'assignment', '')
  enqueue(heads, pool, score, item_id, queue, created)
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

-- Requeue the items of up to `limit` leases that expired at or before `now`.
local function expire_leases(leases, heads, now, limit)
  local expired = redis.call('ZRANGEBYSCORE', leases, '-inf', now, 'LIMIT', 0, limit)
  for _, aid in ipairs(expired) do
    local item_id, reviewer = unpack(redis.call('HMGET', assignment_key(aid), 'item', 'reviewer'))
    if item_id and redis.call('HGET', item_key(item_id), 'assignment') == aid then
      requeue(item_id, heads)
    end
    close_assignment(aid, reviewer or '', leases, 'expired', now)
  end
  return #expired
end
