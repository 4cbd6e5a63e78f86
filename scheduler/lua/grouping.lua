-- Groups (issue 17), the steps that change a group: a ready item joins the waiting group it is a
-- near-duplicate of, or becomes a leader others can join; a decision applies to every member
-- or splits some out first. Waiting leaders are indexed in a second bank per vendor and pool
-- (bank/keys.py waiting(): base .. ':waiting:' .. pool), with the bank's own lookups and the
-- same thresholds as matching, so only items of one pool (queue, language, skills, severity
-- band, categories: a reviewer eligible for one is eligible for all) ever group.
-- provides: group_or_index, group_unindex, group_decide, group_nearest, group_index
-- provides: group_join, group_split_out, group_held, group_escalate
-- needs: item_key, group_key, waiting_key, enqueue, dequeue, audit, raw_hash, record_fields
-- needs: caught_text, queue_decided
-- needs: bank_lookup_image, bank_lookup_video, bank_lookup_text, bank_add, bank_add_text
-- needs: bank_remove, group_members, group_release, exposure_avoided

-- The waiting leader nearest to the item described by `spec` (match.lua's form), or nil.
local function group_nearest(wbases, spec, item_id)
  local r, record
  if spec.kind == 'text' then
    r = bank_lookup_text(wbases, spec.key, item_id)
    record = r[2]
  elseif spec.kind == 'image' then
    r = bank_lookup_image(wbases, raw_hash(spec.hashes[1]), spec.threshold, spec.cap, item_id)
    record = r[3]
  else
    local raws = {}
    for n, hex in ipairs(spec.hashes) do raws[n] = raw_hash(hex) end
    r = bank_lookup_video(wbases, spec.threshold, spec.frame_cap, spec.percent, item_id, raws)
    record = r[6]
  end
  if r[1] == 0 then return nil end
  return record_fields(record)[1]
end

-- Index a lone queued item as a leader others may join: the record only needs the item id,
-- the kind ('i', 'v', 't') and the frame count (what the bank's drop reads back).
local function group_index(wbase, item_id, spec, now)
  local flag = spec.kind == 'video' and 'v' or (spec.kind == 'text' and 't' or 'i')
  local frames = spec.kind == 'video' and #spec.hashes or ''
  local record = table.concat({item_id, 'waiting', math.floor(now), '', spec.quality, flag,
    frames, ''}, '\t')
  if spec.kind == 'text' then
    bank_add_text(wbase, item_id, spec.key, record)
  else
    local raws = {}
    for n, hex in ipairs(spec.hashes) do raws[n] = raw_hash(hex) end
    bank_add(wbase, item_id, spec.kind, record, raws)
  end
  redis.call('INCR', wbase .. ':count')
  redis.call('HSET', item_key(item_id), 'waiting_in', wbase)
end

-- Take a leader out of its waiting index (decided). The index's strings are reset once it is
-- empty, so a pool's waiting bank does not grow with every item it ever held.
local function group_unindex(item_id)
  local wbase = redis.call('HGET', item_key(item_id), 'waiting_in')
  if not wbase or wbase == '' then return end
  redis.call('HSET', item_key(item_id), 'waiting_in', '')
  if bank_remove(wbase, item_id) == 1 and redis.call('DECR', wbase .. ':count') <= 0 then
    redis.call('DEL', wbase .. ':count', wbase .. ':next', wbase .. ':hashes')
  end
end

-- Join `leader`'s group: the item waits with its leader, not in the pool. The group is as
-- urgent as its most urgent member: a member with a better (lower) score raises the leader's.
local function group_join(item_id, leader, l, heads, pool, now)
  local ikey = item_key(item_id)
  local score, created = unpack(redis.call('HMGET', ikey, 'score', 'created_at'))
  redis.call('HSET', ikey, 'group', leader)
  redis.call('HSET', item_key(leader), 'leads', 1)  -- its decision reads the group's members
  redis.call('ZADD', group_key(leader), now, item_id)
  redis.call('ZADD', waiting_key(l.queue), created, item_id)
  if tonumber(score) < l.score then
    dequeue(heads, pool, leader, l.queue)
    enqueue(heads, pool, score, leader, l.queue, l.created)
    redis.call('HSET', item_key(leader), 'score', score)
  end
  audit(now, 'group.join', 'group', item_id, '{"item":' .. cjson.encode(item_id)
    .. ',"leader":' .. cjson.encode(leader) .. '}')
end

-- The step ingest.lua and ready.lua take after match_before_queue, for an item about to enter
-- `pool`: join the waiting group it is a near-duplicate of (true: it is not to be queued), or
-- (false) be queued by the caller and indexed here as a leader. Only a leader still queued,
-- in this pool, with room in its group, is joined. A lookup that fails leaves the item alone.
local function group_or_index(item_id, spec_json, bases, pool, heads, now)
  if spec_json == '' or #bases == 0 then return false end
  local spec = cjson.decode(spec_json)
  local wbases = {}
  for b, base in ipairs(bases) do wbases[b] = base .. ':waiting:' .. pool end
  local ok, leader = pcall(group_nearest, wbases, spec, item_id)
  if not ok then
    redis.call('HSET', item_key(item_id), 'group_error', caught_text(leader))
    return false
  end
  if leader and leader ~= item_id then
    local f = redis.call('HMGET', item_key(leader), 'status', 'pool', 'score', 'queue',
      'created_at')
    if f[1] == 'queued' and f[2] == pool
        and redis.call('ZCARD', group_key(leader)) + 1 < (spec.group_max or 50) then
      local l = {score = tonumber(f[3]), queue = f[4], created = f[5]}
      group_join(item_id, leader, l, heads, pool, now)
      return true
    end
  end
  group_index(wbases[1], item_id, spec, now)
  return false
end

-- Put a split member back in its pool alone, at its own score: its group ends for it.
local function group_split_out(m, heads, reviewer, leader, now)
  local mkey = item_key(m)
  local pool, score, queue, created = unpack(redis.call('HMGET', mkey, 'pool', 'score', 'queue',
    'created_at'))
  redis.call('ZREM', group_key(leader), m)
  redis.call('HSET', mkey, 'status', 'queued', 'assignment', '', 'group', '')
  enqueue(heads, pool, score, m, queue, created)
  audit(now, 'group.split', 'reviewer:' .. reviewer, m, '{"item":' .. cjson.encode(m)
    .. ',"leader":' .. cjson.encode(leader) .. '}')
end

-- The members of `leader`'s group this assignment holds, and the first id of `split` that is
-- not one of them (nil when all are): checked before the decision writes anything.
local function group_held(leader, aid, split)
  local held, mine = {}, {}
  for _, m in ipairs(group_members(leader)) do
    local status, assignment = unpack(redis.call('HMGET', item_key(m), 'status', 'assignment'))
    if status == 'assigned' and assignment == aid then
      held[#held + 1] = m
      mine[m] = true
    end
  end
  for _, m in ipairs(split) do
    if not mine[m] then return held, m end
  end
  return held, nil
end

-- Apply the leader's decision to its group (decide.lua, in the decision's step). `group_json`
-- is scheduler/assignments.py's: `split` (ids to send back alone first) and `members`, each
-- member's bank entry {id, base, kind, record, text_key, hashes (hex)}. Each member decided
-- gets its own decision record (decided_how 'group'), audit entry, bank entry and webhook; only
-- the leader, which the reviewer saw, costs dose (decide.lua's end_exposure). A member not held
-- by this assignment any more (decided some other way) is left as it is.
-- Returns nil, or the first split id that is not a member this assignment holds (nothing was
-- written then).
local function group_decide(leader, aid, a, reviewer, decision, now, group_json, heads, outbox)
  local g = group_json ~= '' and cjson.decode(group_json) or {}
  local split = g.split or {}
  local held, stranger = group_held(leader, aid, split)
  if stranger then return stranger end
  local out, entries = {}, {}
  for _, m in ipairs(split) do out[m] = true end
  for _, e in ipairs(g.members or {}) do entries[e.id] = e end
  for _, m in ipairs(held) do
    if out[m] then
      group_split_out(m, heads, reviewer, leader, now)
    else
      local mkey = item_key(m)
      redis.call('HSET', mkey, 'status', 'decided', 'assignment', '', 'decision', decision,
        'decided_at', now, 'decided_by', reviewer, 'decided_how', 'group')
      local e = entries[m]
      if e and e.kind == 'text' then
        bank_add_text(e.base, m, e.text_key, e.record)
      elseif e and e.kind ~= '' then
        local raws = {}
        for n, hex in ipairs(e.hashes) do raws[n] = raw_hash(hex) end
        bank_add(e.base, m, e.kind, e.record, raws)
      end
      -- A member the reviewer never saw costs no dose: what it would have cost is avoided.
      exposure_avoided(a.team, reviewer, m, now)
      audit(now, 'decide', 'reviewer:' .. reviewer, aid, '{"item":' .. cjson.encode(m)
        .. ',"decision":' .. decision .. ',"group":' .. cjson.encode(leader) .. '}')
      if redis.call('HGET', mkey, 'callback_url') ~= '' then
        queue_decided('evt_g' .. string.sub(m, 5), m, now, outbox)
      end
    end
  end
  redis.call('DEL', group_key(leader))
  group_unindex(leader)
  return nil
end

-- An escalation that is not final (decide.lua with an escalation pool): the members in `split`
-- go back alone, the rest follow their leader to the senior's queue, waiting as members, so the
-- senior's final decision applies to them (group_decide then). Same return as group_decide.
local function group_escalate(leader, aid, reviewer, now, group_json, heads)
  local g = group_json ~= '' and cjson.decode(group_json) or {}
  local split = g.split or {}
  local held, stranger = group_held(leader, aid, split)
  if stranger then return stranger end
  local out = {}
  for _, m in ipairs(split) do out[m] = true end
  for _, m in ipairs(held) do
    if out[m] then group_split_out(m, heads, reviewer, leader, now) end
  end
  group_release(leader)
  return nil
end
