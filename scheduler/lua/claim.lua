-- Give the reviewer the best eligible item and lease it, or their live assignment again.
-- KEYS[1]: leases zset  KEYS[2]: pools set  KEYS[3]: pools generation  KEYS[4]: reviewer hash
-- KEYS[5]: reviewer's current assignment  KEYS[6..]: every pool zset the caller knows of
-- ARGV[1]: reviewer id  ARGV[2]: now  ARGV[3]: lease seconds  ARGV[4]: new assignment id
-- ARGV[5]: pools generation the caller saw  ARGV[6]: highest severity band allowed (0-100)
-- ARGV[7]: the severe band (policy threshold x 100)  ARGV[8]: 1 to prefer a non-severe item
-- ARGV[9]: extra excluded category mask
-- ARGV[10]: leave severe items due after this time to others when anything else is eligible (0: no)
-- Returns {'existing'|'assigned', assignment id, lease expiry, item fields...}, {'empty'},
-- {'stale'} (the pool list changed: call again with a fresh one) or {'no_reviewer'}.
local now = tonumber(ARGV[2])
expire_leases(KEYS[1], KEYS[2], KEYS[3], now, 10)

local cur = redis.call('GET', KEYS[5])
if cur then
  local a = redis.call('HMGET', assignment_key(cur), 'status', 'expires_at', 'item')
  if a[1] == 'live' and tonumber(a[2]) > now then
    return {'existing', cur, a[2], unpack(redis.call('HGETALL', item_key(a[3])))}
  end
end
if (redis.call('GET', KEYS[3]) or '0') ~= ARGV[5] then
  return {'stale'}
end

local r = redis.call('HMGET', KEYS[4], 'languages', 'skills', 'optout_mask', 'team')
if not r[4] then return {'no_reviewer'} end
local langs, skills = {}, {}
for l in string.gmatch(r[1], '[^,]+') do langs[#langs + 1] = l end
for s in string.gmatch(r[2], '[^,]+') do skills[s] = true end
local excluded = bit.bor(tonumber(r[3]), tonumber(ARGV[9]))
local severe_band = tonumber(ARGV[7])
local defer_after = tonumber(ARGV[10])

local function speaks(lang)
  if lang == '' then return true end
  for _, l in ipairs(langs) do
    if l == lang or lang:sub(1, #l + 1) == l .. '-' or l:sub(1, #lang + 1) == lang .. '-' then
      return true
    end
  end
  return false
end

local function has_skills(list)
  for s in string.gmatch(list, '[^,]+') do
    if not skills[s] then return false end
  end
  return true
end

local prefix_len = #(P .. 'pool:')
local best_id, best_score, best_pool, best_queue
local function consider(pool, max_band)
  local q, lang, sk, band, mask = string.match(pool:sub(prefix_len + 1),
    '^([^|]*)|([^|]*)|([^|]*)|(%d+)|(%d+)$')
  band = tonumber(band)
  if not band or band > max_band or bit.band(tonumber(mask), excluded) ~= 0
     or not speaks(lang) or not has_skills(sk) then
    return
  end
  local head = redis.call('ZRANGE', pool, 0, 9, 'WITHSCORES')
  for i = 1, #head, 2 do
    local id, score = head[i], tonumber(head[i + 1])
    if best_score and (score > best_score or (score == best_score and id > best_id)) then return end
    local deferred = defer_after > 0 and band >= severe_band and (score % 1e13) / 1000 > defer_after
    if not deferred and redis.call('SISMEMBER', P .. 'item:' .. id .. ':skippers', ARGV[1]) == 0 then
      best_id, best_score, best_pool, best_queue = id, score, pool, q
      return
    end
  end
end

local max_band = tonumber(ARGV[6])
local first = max_band
if ARGV[8] == '1' then first = math.min(max_band, severe_band - 1) end
for i = 6, #KEYS do consider(KEYS[i], first) end
if not best_id and (first < max_band or defer_after > 0) then
  defer_after = 0  -- rotation and steering are preferences: a severe item beats nothing
  for i = 6, #KEYS do consider(KEYS[i], max_band) end
end
if not best_id then return {'empty'} end

local aid, expires = ARGV[4], now + tonumber(ARGV[3])
redis.call('ZREM', best_pool, best_id)
redis.call('ZREM', waiting_key(best_queue), best_id)
redis.call('HSET', item_key(best_id), 'status', 'assigned', 'assignment', aid)
redis.call('HSET', assignment_key(aid), 'id', aid, 'item', best_id, 'reviewer', ARGV[1],
  'team', r[4], 'status', 'live', 'started_at', now, 'expires_at', expires,
  'level', 'blurred', 'reveals', 0)
redis.call('ZADD', KEYS[1], expires, aid)
redis.call('SET', KEYS[5], aid)
return {'assigned', aid, tostring(expires), unpack(redis.call('HGETALL', item_key(best_id)))}
