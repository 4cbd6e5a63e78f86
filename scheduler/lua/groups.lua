-- Groups (issue 17): near-duplicates waiting in one pool form a group under its first item, the
-- leader. Only the leader is in the pool; its members follow it. This is what every assignment
-- step needs (claim, skip, expiry); joining, splitting and deciding are in grouping.lua.
-- provides: group_members, group_hold, group_release
-- needs: item_key, waiting_key, group_key

-- The members of the group `leader` leads, in the order they joined ({} for a lone item).
local function group_members(leader)
  return redis.call('ZRANGE', group_key(leader), 0, -1)
end

-- A claim leased the leader: its members go to the same assignment and stop waiting, in the
-- claim's own step. Returns the members.
local function group_hold(leader, aid, queue)
  local members = group_members(leader)
  for _, m in ipairs(members) do
    redis.call('HSET', item_key(m), 'status', 'assigned', 'assignment', aid)
    redis.call('ZREM', waiting_key(queue), m)
  end
  return members
end

-- The leader went back to its pool (skip, release, lease expiry): so does every member, to the
-- group, waiting again. A group never loses a member on the way.
local function group_release(leader)
  for _, m in ipairs(group_members(leader)) do
    local mkey = item_key(m)
    redis.call('HSET', mkey, 'status', 'queued', 'assignment', '')
    local queue, created = unpack(redis.call('HMGET', mkey, 'queue', 'created_at'))
    redis.call('ZADD', waiting_key(queue), created, m)
  end
end
