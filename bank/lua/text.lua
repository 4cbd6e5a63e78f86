-- Text items in the bank: an exact-duplicate key (blur.hashing.text_key) -> the record of the
-- latest decision of a text with that key. Exact keys need no index: one HGET finds the match.
-- Keys, from a vendor's base: `:txt` (text key -> record), `:txtid` (item id -> its text key,
-- so an admin removal finds the entry).
-- provides: bank_add_text, bank_drop_text, bank_lookup_text
-- needs: record_fields

-- Bank a decided text item under its key; a later decision of the same text replaces it.
local function bank_add_text(base, item_id, key, record)
  local old = redis.call('HGET', base .. ':txtid', item_id)
  if old and old ~= key then redis.call('HDEL', base .. ':txt', old) end
  local previous = record_fields(redis.call('HGET', base .. ':txt', key) or '')[1]
  if previous and previous ~= '' and previous ~= item_id then
    redis.call('HDEL', base .. ':txtid', previous)
  end
  redis.call('HSET', base .. ':txt', key, record)
  redis.call('HSET', base .. ':txtid', item_id, key)
end

-- Take a text item out of the bank; true if it was there.
local function bank_drop_text(base, item_id)
  local key = redis.call('HGET', base .. ':txtid', item_id)
  if not key then return false end
  redis.call('HDEL', base .. ':txt', key)
  redis.call('HDEL', base .. ':txtid', item_id)
  return true
end

-- The banked decision of the same text in the first of `bases` that has one and that the query
-- was not told is not a match: {bank index or 0, record}.
local function bank_lookup_text(bases, key, query_id)
  for b = 1, #bases do
    local record = redis.call('HGET', bases[b] .. ':txt', key)
    if record then
      local banked = record_fields(record)[1]
      local list = query_id ~= '' and redis.call('HGET', bases[b] .. ':nam', query_id) or ''
      if not string.find('\n' .. (list or '') .. '\n', '\n' .. banked .. '\n', 1, true) then
        return {b, record}
      end
    end
  end
  return {0, ''}
end
