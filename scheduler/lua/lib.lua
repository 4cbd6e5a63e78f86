-- Shared by the scripts that end an assignment. Prepended to them at load time.
-- The item and assignment keys are derived from ids here because the ids are only known inside
-- the atomic step; Safeshift runs on one Redis primary (see README), not Redis Cluster.
local P = '{{PREFIX}}'

local function item_key(id) return P .. 'item:' .. id end
local function assignment_key(id) return P .. 'assignment:' .. id end
local function current_key(reviewer) return P .. 'reviewer:' .. reviewer .. ':current' end
local function waiting_key(queue) return P .. 'queue:' .. queue .. ':waiting' end

-- Put an item back in its pool at its old score: it keeps its place in the queue.
local function requeue(item_id, pools, generation)
  local ikey = item_key(item_id)
  local pool, score, queue, created = unpack(redis.call('HMGET', ikey, 'pool', 'score', 'queue',
    'created_at'))
  redis.call('HSET', ikey, 'status', 'queued', 'assignment', '')
  redis.call('ZADD', pool, score, item_id)
  redis.call('ZADD', waiting_key(queue), created, item_id)
  if redis.call('SADD', pools, pool) == 1 then
    redis.call('INCR', generation)
  end
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
local function expire_leases(leases, pools, generation, now, limit)
  local expired = redis.call('ZRANGEBYSCORE', leases, '-inf', now, 'LIMIT', 0, limit)
  for _, aid in ipairs(expired) do
    local item_id, reviewer = unpack(redis.call('HMGET', assignment_key(aid), 'item', 'reviewer'))
    if item_id and redis.call('HGET', item_key(item_id), 'assignment') == aid then
      requeue(item_id, pools, generation)
    end
    close_assignment(aid, reviewer or '', leases, 'expired', now)
  end
  return #expired
end
