-- Shared by every bank script (prepended by bank/scripts.py). Key names mirror bank/keys.py:
-- each script receives a vendor's base key ("safeshift:bank:{vendor}") in KEYS and derives the
-- rest from it; they all share the {vendor} hash tag, so they live on the base key's slot.
-- provides: bxor, band, rshift, sbyte, schar, ssub, CHUNKS, RECORDS_PER_BUCKET, ID_BUCKETS, POP
-- provides: rec_key, ids_key, decode, chunks_of, HEX, field, pack32, unpack32, distance
-- provides: slot_hash, post, unpost, FLIPS, excluded, record_fields, R_KIND, R_FRAMES, drop
-- provides: fetch, exact_first
local bxor, band, rshift = bit.bxor, bit.band, bit.rshift
local sbyte, schar, ssub = string.byte, string.char, string.sub
local CHUNKS = 16
local RECORDS_PER_BUCKET = {{RECORDS_PER_BUCKET}}
local ID_BUCKETS = {{ID_BUCKETS}}

-- POP[b]: set bits in one byte (a literal from bank/scripts.py: building it with loops on every
-- call cost more than a whole lookup). Distance is 32 lookups, stopping early past a limit.
local POP = {{POP}}

local function rec_key(base, entry)
  return base .. ':rec:' .. math.floor(entry / RECORDS_PER_BUCKET)
end

local function ids_key(base, item_id)
  local h = 0
  for k = 1, #item_id do h = (h * 31 + sbyte(item_id, k)) % ID_BUCKETS end
  return base .. ':ids:' .. h
end

-- A hash arrives as its 32 raw bytes -> (table of the 32 byte values, table of 16 chunks).
local function decode(raw)
  local bytes, chunks = {sbyte(raw, 1, 32)}, {}
  for c = 1, CHUNKS do chunks[c] = bytes[2 * c - 1] * 256 + bytes[2 * c] end
  return bytes, chunks
end

local function chunks_of(raw)
  local chunks = {}
  for c = 1, CHUNKS do
    local hi, lo = sbyte(raw, 2 * c - 1, 2 * c)
    chunks[c] = hi * 256 + lo
  end
  return chunks
end

-- A chunk value's field name: 4 hex digits (readable in redis-cli), without string.format,
-- which cost more than anything else in an empty lookup.
local HEX = {{HEX}}
local function field(value)
  local lo = value % 256
  return HEX[(value - lo) / 256] .. HEX[lo]
end

local function pack32(n)
  return schar(band(rshift(n, 24), 255), band(rshift(n, 16), 255), band(rshift(n, 8), 255),
    band(n, 255))
end

local function unpack32(s, k)
  local b1, b2, b3, b4 = sbyte(s, k, k + 3)
  return ((b1 * 256 + b2) * 256 + b3) * 256 + b4
end

-- Hamming distance of a stored 32-byte hash to the query bytes q; stops once it exceeds limit.
local function distance(raw, q, limit)
  local d = 0
  for k = 1, 32, 8 do
    local b1, b2, b3, b4, b5, b6, b7, b8 = sbyte(raw, k, k + 7)
    d = d + POP[bxor(b1, q[k])] + POP[bxor(b2, q[k + 1])] + POP[bxor(b3, q[k + 2])]
      + POP[bxor(b4, q[k + 3])] + POP[bxor(b5, q[k + 4])] + POP[bxor(b6, q[k + 5])]
      + POP[bxor(b7, q[k + 6])] + POP[bxor(b8, q[k + 7])]
    if d > limit then return d end
  end
  return d
end

local function slot_hash(base, slot)
  return redis.call('GETRANGE', base .. ':hashes', slot * 32, slot * 32 + 31)
end

local function post(index, value, posting)
  local f = field(value)
  local old = redis.call('HGET', index, f)
  redis.call('HSET', index, f, (old or '') .. posting)
end

-- Remove one posting (width bytes, aligned) from a packed list; the field goes when empty.
local function unpost(index, value, posting, width)
  local f = field(value)
  local old = redis.call('HGET', index, f)
  if not old then return end
  for k = 1, #old, width do
    if ssub(old, k, k + width - 1) == posting then
      local rest = ssub(old, 1, k - 1) .. ssub(old, k + width)
      if rest == '' then redis.call('HDEL', index, f) else redis.call('HSET', index, f, rest) end
      return
    end
  end
end

-- The 16 probe values of one chunk besides itself: every one-bit neighbour (v xor FLIPS[k]).
local FLIPS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768}

-- Entry numbers of the items this query must not match (the not-a-match list, in this bank).
local function excluded(base, query_id)
  local out = {}
  if query_id == '' then return out end
  local list = redis.call('HGET', base .. ':nam', query_id)
  if not list then return out end
  for item in string.gmatch(list, '[^\n]+') do
    local entry = redis.call('HGET', ids_key(base, item), item)
    if entry then out[tonumber(entry)] = true end
  end
  return out
end

-- Record fields, tab-separated (bank/models.py parses the same order).
local function record_fields(record)
  local out = {}
  for f in string.gmatch(record .. '\t', '([^\t]*)\t') do out[#out + 1] = f end
  return out
end
-- Field 6 is the kind ('i' image, 'v' video) then the flags ('e' escalated, 'n' disputed).
local R_KIND, R_FRAMES = 6, 7

-- Take an entry out of the bank: its postings first, so it can never be a candidate again.
local function drop(base, item_id)
  local ids = ids_key(base, item_id)
  local entry = redis.call('HGET', ids, item_id)
  if not entry then return false end
  entry = tonumber(entry)
  local rkey, rfield = rec_key(base, entry), tostring(entry % RECORDS_PER_BUCKET)
  local fields = record_fields(redis.call('HGET', rkey, rfield) or '')
  local video, frames = ssub(fields[R_KIND] or '', 1, 1) == 'v', tonumber(fields[R_FRAMES]) or 1
  for slot = entry, entry + frames - 1 do
    local chunks = chunks_of(slot_hash(base, slot))
    for c = 1, CHUNKS do
      if video then
        unpost(base .. ':vid:' .. (c - 1), chunks[c], pack32(slot) .. pack32(entry), 8)
      else
        unpost(base .. ':img:' .. (c - 1), chunks[c], pack32(slot), 4)
      end
    end
  end
  redis.call('SETRANGE', base .. ':hashes', entry * 32, string.rep('\0', 32 * frames))
  redis.call('HDEL', rkey, rfield)
  redis.call('HDEL', ids, item_id)
  return true
end

-- The posting lists of one query hash in one index: got[c][1] is chunk c's exact value, got[c]
-- [2…17] its 16 one-bit neighbours (false where no list exists). By pigeonhole, a match within
-- 31 bits has some chunk within 1 bit (31 = 16*2 - 1). 16 HMGETs of 17 fields: 272 probes.
local function fetch(index_prefix, chunks)
  local got = {}
  for c = 1, CHUNKS do
    local v, fields = chunks[c], {field(chunks[c])}
    for k = 1, 16 do
      local p = FLIPS[k]  -- v with bit k flipped, in arithmetic (no C call per probe)
      fields[k + 1] = field(v % (p + p) >= p and v - p or v + p)
    end
    got[c] = redis.call('HMGET', index_prefix .. (c - 1), unpack(fields))
  end
  return got
end

-- The slots in the exact lists, those sharing the most chunks first, each with the least
-- distance it can be at: a chunk it does not share exactly is at least 1 bit off, so sharing e
-- chunks means at least 16 - e. Near-duplicates share many chunks and come out first; a slot
-- found only among the neighbours is at least 16 off. `seen` holds every slot listed here;
-- `owner` (video postings, width 8) gets each slot's entry.
local function exact_first(got, width, owner)
  local count, order = {}, {}
  for c = 1, CHUNKS do
    local s = got[c][1]
    if s then
      for k = 1, #s, width do
        local slot = unpack32(s, k)
        local n = count[slot]
        if n then
          count[slot] = n + 1
        else
          count[slot], order[#order + 1] = 1, slot
          if owner then owner[slot] = unpack32(s, k + 4) end
        end
      end
    end
  end
  local by_count = {}
  for i = 1, #order do
    local e = count[order[i]]
    by_count[e] = by_count[e] or {}
    table.insert(by_count[e], order[i])
  end
  local slots, bounds = {}, {}
  for e = CHUNKS, 1, -1 do
    for _, slot in ipairs(by_count[e] or {}) do
      slots[#slots + 1], bounds[#slots + 1] = slot, CHUNKS - e
    end
  end
  return slots, bounds, count
end
