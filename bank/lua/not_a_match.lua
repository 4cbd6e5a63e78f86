-- A reviewer said "not the same": new item A must never match banked item B again, and B's
-- record is flagged disputed (a disputed decision is never applied without a person).
-- KEYS[1]  the bank base key of B's vendor
-- ARGV[1]  item A (the item that was shown B's decision)
-- ARGV[2]  item B (the banked item)
-- The script is `bank_not_a_match(KEYS[1], ARGV[1], ARGV[2])` (bank/scripts.py).
-- Returns 1 when B is banked (flagged), 0 when it is not (the pair is recorded all the same).
-- provides: bank_not_a_match
-- needs: ids_key, rec_key, RECORDS_PER_BUCKET, record_fields, R_KIND
local function bank_not_a_match(base, a, b)
  local nam = base .. ':nam'
  local list = redis.call('HGET', nam, a) or ''
  if not string.find('\n' .. list .. '\n', '\n' .. b .. '\n', 1, true) then
    redis.call('HSET', nam, a, list == '' and b or (list .. '\n' .. b))
  end
  local entry = redis.call('HGET', ids_key(base, b), b)
  if not entry then return 0 end
  entry = tonumber(entry)
  local rkey, rfield = rec_key(base, entry), tostring(entry % RECORDS_PER_BUCKET)
  local fields = record_fields(redis.call('HGET', rkey, rfield))
  if not string.find(fields[R_KIND], 'n', 1, true) then
    fields[R_KIND] = fields[R_KIND] .. 'n'
    redis.call('HSET', rkey, rfield, table.concat(fields, '\t'))
  end
  return 1
end
