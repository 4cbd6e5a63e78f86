-- Store a new item once per (vendor, external_id) and, when it is ready, put it in its pool.
-- A ready item (text) is first looked up in the bank (match.lua), in this same step: an `auto`
-- match decides it instead of queuing it; an `assist` match is recorded on it. Then it joins a
-- waiting near-duplicate's group, or is queued and indexed for later ones to join.
-- KEYS[1]: vendor's external_id hash  KEYS[2]: item hash  KEYS[3]: pool zset
-- KEYS[4]: pool heads zset  KEYS[5]: media job stream  KEYS[6]: webhook outbox
-- KEYS[7..]: bank base keys to look in (the vendor's own first, then linked ones)
-- ARGV[1]: external_id  ARGV[2]: item id  ARGV[3]: score  ARGV[4]: created_at  ARGV[5]: queue
-- ARGV[6]: media job payload ('' for none)  ARGV[7]: match spec JSON ('' for none)
-- ARGV[8..]: item field, value pairs
-- Returns {1, id} when created, {0, existing id} when the external_id was seen before.
-- needs: enqueue, match_before_queue, group_or_index
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if existing then
  return {0, existing}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], unpack(ARGV, 8))
if ARGV[6] ~= '' then
  redis.call('XADD', KEYS[5], '*', 'job', ARGV[6])
end
if redis.call('HGET', KEYS[2], 'status') == 'queued' then
  if match_before_queue(ARGV[2], ARGV[7], {unpack(KEYS, 7)}, tonumber(ARGV[4]), KEYS[6]) then
    return {1, ARGV[2]}
  end
  if group_or_index(ARGV[2], ARGV[7], {unpack(KEYS, 7)}, KEYS[3], KEYS[4], tonumber(ARGV[4])) then
    return {1, ARGV[2]}  -- it waits in a near-duplicate's group (grouping.lua)
  end
  enqueue(KEYS[4], KEYS[3], ARGV[3], ARGV[2], ARGV[5], ARGV[4])
end
return {1, ARGV[2]}
