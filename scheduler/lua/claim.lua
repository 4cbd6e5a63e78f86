-- Give the reviewer the best eligible item and lease it, or their live assignment again.
-- Pools are walked in the order of their head items, so the usual claim reads one pool.
-- KEYS[1]: leases zset  KEYS[2]: pool heads zset  KEYS[3]: reviewer hash (its `current` field
-- is the live assignment)
-- ARGV[1]: reviewer id  ARGV[2]: now  ARGV[3]: default lease seconds  ARGV[4]: new assignment id
-- ARGV[5]: 'zone start end ...': today's bounds in the time zones the caller knows (working time)
-- ARGV[6]: JSON {category: level} of the levels this reviewer is served at first, for categories
-- above `blurred` (wellbeing/views.py decides them; looked up here by the item's view_category)
-- What the reviewer may take comes from wellbeing_gate (wellbeing/lua/rules.lua), in this same
-- step: a break to enforce, or the highest severity band allowed, the severe band, whether to
-- prefer a non-severe item (rotation), and which items to leave, while their deadline allows,
-- to teammates with more of their day budget left (fair shares and steering): an item is left
-- only if one of them is at work and may take it.
-- Returns {'existing'|'assigned', assignment id, lease expiry, level served first, item field
-- values..., then the ids of the group members leased with it (groups.lua), if it leads a
-- group}, {'empty'},
-- {'break', until, reason}, {'zone', name} (today's bounds in that zone are needed) or
-- {'no_reviewer'}.
-- needs: item_key, expire_leases, assignment_key, wellbeing_gate, break_end_text, P
-- needs: teammates_with_more, at_work, reviewer_key, skippers_key, dequeue, wellbeing_claimed
-- needs: group_members, group_hold, freeze_for_whom
local now = tonumber(ARGV[2])
-- The fields named by scheduler.models.VIEW_FIELDS, then whether the item has a callback.
local function item_view(id)
  local view = redis.call('HMGET', item_key(id), {{VIEW_FIELDS}}, 'callback_url')
  local callback = table.remove(view)
  return view, (callback and callback ~= '') and 1 or 0
end
-- The reply: tag, assignment, expiry, the item's view fields, then its group's members.
local function reply(tag, aid, expires, level, view, members)
  local out = {tag, aid, expires, level}
  for i = 1, #view do out[#out + 1] = view[i] end
  for _, m in ipairs(members) do out[#out + 1] = m end
  return out
end
expire_leases(KEYS[1], KEYS[2], now, 10)

-- A reviewer's languages, skills and opted-out categories, from their hash's fields.
local function profile(languages, skill_list, optout_mask)
  local who = {langs = {}, skills = {}, excluded = tonumber(optout_mask) or 0}
  for l in string.gmatch(languages or '', '[^,]+') do who.langs[#who.langs + 1] = l end
  for s in string.gmatch(skill_list or '', '[^,]+') do who.skills[s] = true end
  return who
end

local function speaks(who, lang)
  if lang == '' then return true end
  for _, l in ipairs(who.langs) do
    if l == lang or lang:sub(1, #l + 1) == l .. '-' or l:sub(1, #lang + 1) == lang .. '-' then
      return true
    end
  end
  return false
end

-- May `who` take items of a pool with this routing key (language, skills, category mask)?
local function can_take(who, lang, sk, mask)
  if bit.band(tonumber(mask), who.excluded) ~= 0 or not speaks(who, lang) then return false end
  for s in string.gmatch(sk, '[^,]+') do
    if not who.skills[s] then return false end
  end
  return true
end

local r = redis.call('HMGET', KEYS[3], 'languages', 'skills', 'optout_mask', 'team', 'current')
if not r[4] then return {'no_reviewer'} end
if r[5] then
  local a = redis.call('HMGET', assignment_key(r[5]), 'status', 'expires_at', 'item',
    'view_level')
  if a[1] == 'live' and tonumber(a[2]) > now then
    return reply('existing', r[5], a[2], a[4] or 'blurred', (item_view(a[3])),
      group_members(a[3]))
  end
end
local me = profile(r[1], r[2], r[3])

local lim, policy = wellbeing_gate(ARGV[1], r[4], now, ARGV[5])
if lim.zone then return {'zone', lim.zone} end
if lim.brk then return {'break', break_end_text(lim.brk), lim.reason} end
local max_band, severe_band = lim.max_band, lim.severe_band
local prefer_mild, defer_after, defer_band = lim.prefer_mild, lim.defer_after, lim.defer_band

local prefix_len = #(P .. 'pool:')
-- The pool's routing key, if this reviewer may take from it at all: queue, band, and the rest.
local function eligible(pool)
  local q, lang, sk, band, mask = string.match(pool:sub(prefix_len + 1),
    '^([^|]*)|([^|]*)|([^|]*)|(%d+)|(%d+)$')
  band = tonumber(band)
  if not band or band > max_band or not can_take(me, lang, sk, mask) then return nil end
  return q, band, lang, sk, mask
end

-- Is one of the teammates the gate points to at work, and may they take items of this pool? The
-- list and each teammate are read at most once per claim, and only when an item would be left.
local helpers, teammates = {}, nil
local function helped(lang, sk, mask)
  teammates = teammates or teammates_with_more(r[4], ARGV[1], lim.helper_headroom)
  for _, other in ipairs(teammates) do
    if helpers[other] == nil then
      helpers[other] = at_work(other, now)
        and profile(unpack(redis.call('HMGET', reviewer_key(other), 'languages', 'skills',
          'optout_mask'))) or false
    end
    if helpers[other] and can_take(helpers[other], lang, sk, mask) then return true end
  end
  return false
end

-- Fair shares leave an item only while it is younger than the policy allows (one read, made
-- only for an item that would otherwise be left).
local function young(id)
  return not lim.defer_since
    or tonumber(redis.call('HGET', item_key(id), 'created_at')) > lim.defer_since
end

-- The first item of the pool this reviewer did not skip (looking 10 deep), with its score.
local function first_unskipped(pool, head_id, head_score)
  if redis.call('EXISTS', skippers_key(head_id)) == 0 then
    return head_id, head_score  -- the common case: nobody skipped the head
  end
  local head = redis.call('ZRANGE', pool, 0, 9, 'WITHSCORES')
  for i = 1, #head, 2 do
    if redis.call('SISMEMBER', skippers_key(head[i]), ARGV[1]) == 0 then
      return head[i], tonumber(head[i + 1])
    end
  end
  return nil
end

local function better(id, score, best)
  return not best or score < best.score or (score == best.score and id < best.id)
end

local preferred, fallback
local limit, batch = {{MAX_POOLS}}, 4  -- most claims take from the first pool
local offset = 0
while offset < limit and not preferred do
  local heads = redis.call('ZRANGE', KEYS[2], offset, offset + batch - 1, 'WITHSCORES')
  if #heads == 0 then break end
  for i = 1, #heads, 2 do
    local head_id, pool = string.match(heads[i], '^([^|]+)|(.*)$')
    local head_score = tonumber(heads[i + 1])
    if preferred and not better(head_id, head_score, preferred) then break end
    local q, band, lang, sk, mask = eligible(pool)
    local mild = q and (band < severe_band or not prefer_mild)
    -- Rotation looks past severe pools for a mild one; heads come best first, so once a severe
    -- fallback is found, later severe pools need no closer look.
    if q and (mild or not fallback) then
      local id, score = first_unskipped(pool, head_id, head_score)
      if id then
        local deferred = defer_after > 0 and band >= defer_band
          and (score % 1e13) / 1000 > defer_after and helped(lang, sk, mask) and young(id)
        local pick = {id = id, score = score, pool = pool, queue = q}
        if deferred then  -- left for a teammate with more budget, while its deadline allows
        elseif mild then
          if better(id, score, preferred) then preferred = pick end
        elseif better(id, score, fallback) then
          fallback = pick
        end
      end
    end
  end
  offset = offset + batch
  batch = math.min(batch * 4, 256)
end
local best = preferred or fallback  -- rotation prefers; a severe item beats an idle queue
if not best then return {'empty'} end

local aid = ARGV[4]
local expires = now + (policy.lease_seconds or tonumber(ARGV[3]))
dequeue(KEYS[2], best.pool, best.id, best.queue)
redis.call('HSET', item_key(best.id), 'status', 'assigned', 'assignment', aid)
local members = group_hold(best.id, aid, best.queue)  -- leasing a leader leases its group
freeze_for_whom(best.id)
local view, callback = item_view(best.id)
-- The level served first: text keeps `blurred` (it is never filtered, nor its dose mitigated),
-- and so does an item shown with a prior decision (seen before), confirmed without a reveal.
local first = 'blurred'
if ARGV[6] and ARGV[6] ~= '' and ARGV[6] ~= '{}' and view[2] ~= 'text' then
  local f = redis.call('HMGET', item_key(best.id), 'view_category', 'match_record')
  if not f[2] or f[2] == '' then first = cjson.decode(ARGV[6])[f[1] or ''] or 'blurred' end
end
redis.call('HSET', assignment_key(aid), 'id', aid, 'item', best.id, 'reviewer', ARGV[1],
  'team', r[4], 'status', 'live', 'started_at', now, 'expires_at', expires,
  'level', first, 'view_level', first, 'reveals', 0, 'callback', callback)
redis.call('ZADD', KEYS[1], expires, aid)
redis.call('HSET', KEYS[3], 'current', aid)
wellbeing_claimed(ARGV[1], now, lim)
return reply('assigned', aid, tostring(expires), first, view, members)
