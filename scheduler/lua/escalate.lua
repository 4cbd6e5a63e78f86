-- Escalation (issue 17): `escalate` is not a final decision. The item goes to the escalation
-- queue, in a pool that needs the escalation skill on top of its own routing, and waits there for
-- a reviewer who has it; that reviewer's decision is the final one: it is banked (flagged `e`, so
-- a match never applies it on its own) and its webhook goes out then, once (docs/api.md).
-- provides: escalate_item
-- needs: item_key, enqueue, P
-- `pool`: the escalation pool key (scheduler/assignments.py builds it from the item's routing),
-- `heads`: the pool heads index. The item keeps its score, so it keeps its priority and deadline.
local function escalate_item(item_id, pool, heads, now, reviewer)
  local key = item_key(item_id)
  local queue = string.match(string.sub(pool, #(P .. 'pool:') + 1), '^([^|]*)|')
  local old_queue, first, score, created = unpack(redis.call('HMGET', key, 'queue',
    'escalated_from', 'score', 'created_at'))
  redis.call('HSET', key, 'status', 'queued', 'assignment', '', 'pool', pool, 'queue', queue,
    'escalated_from', (first and first ~= '') and first or old_queue, 'escalated_at', now,
    'escalated_by', reviewer)
  enqueue(heads, pool, score, item_id, queue, created)
end
