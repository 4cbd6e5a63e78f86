-- Shared by the scripts that end an assignment. Prepended to them at load time.
-- The item and assignment keys are derived from ids here because the ids are only known inside
-- the atomic step; Safeshift runs on one Redis primary (see README), not Redis Cluster.
local P = '{{PREFIX}}'

local function item_key(id) return P .. 'item:' .. id end
local function assignment_key(id) return P .. 'assignment:' .. id end
local function current_key(reviewer) return P .. 'reviewer:' .. reviewer .. ':current' end
local function waiting_key(queue) return P .. 'queue:' .. queue .. ':waiting' end

-- Keep the pool's entry in the heads index equal to its current head item.
local function refresh_head(heads, pool)
  local by_pool = heads .. ':by-pool'
  local old = redis.call('HGET', by_pool, pool)
  local h = redis.call('ZRANGE', pool, 0, 0, 'WITHSCORES')
  local new = h[1] and (h[1] .. '|' .. pool) or false
  if old == new then return end
  if old then redis.call('ZREM', heads, old) end
  if new then
    redis.call('ZADD', heads, h[2], new)
    redis.call('HSET', by_pool, pool, new)
  else
    redis.call('HDEL', by_pool, pool)
  end
end

-- Add an item to a pool, its queue's waiting set, and keep the heads index right.
local function enqueue(heads, pool, score, item_id, queue, created)
  redis.call('ZADD', pool, score, item_id)
  redis.call('ZADD', waiting_key(queue), created, item_id)
  refresh_head(heads, pool)
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
  local ckey = current_key(reviewer)
  if redis.call('GET', ckey) == aid then
    redis.call('DEL', ckey)
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
