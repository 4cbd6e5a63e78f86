-- Media prepared (or failed): move a `processing` item to `queued` in its pool, or to `failed`.
-- A queued item is first looked up in the bank (match.lua): an `auto` match decides it here
-- instead of queuing it; an `assist` match is recorded on it; then it joins a waiting
-- near-duplicate's group or is indexed as a leader (grouping.lua). One step: a crash leaves the
-- item processing (its job is redelivered), never queued without its lookup or lost.
-- KEYS[1]: item hash  KEYS[2]: pool zset  KEYS[3]: pool heads zset  KEYS[4]: webhook outbox
-- KEYS[5..]: bank base keys to look in (the vendor's own first, then linked ones)
-- ARGV[1]: item id  ARGV[2]: score  ARGV[3]: now  ARGV[4]: match spec JSON ('' for none)
-- ARGV[5..]: field, value pairs (incl. status)
-- Returns 1 when applied, 0 when the item was not processing (a redelivered job).
-- needs: enqueue, match_before_queue, group_or_index
if redis.call('HGET', KEYS[1], 'status') ~= 'processing' then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
if redis.call('HGET', KEYS[1], 'status') == 'queued' then
  redis.call('HSET', KEYS[1], 'pool', KEYS[2], 'score', ARGV[2])
  if match_before_queue(ARGV[1], ARGV[4], {unpack(KEYS, 5)}, tonumber(ARGV[3]), KEYS[4]) then
    return 1
  end
  if group_or_index(ARGV[1], ARGV[4], {unpack(KEYS, 5)}, KEYS[2], KEYS[3], tonumber(ARGV[3])) then
    return 1  -- it waits in a near-duplicate's group (grouping.lua)
  end
  local queue, created = unpack(redis.call('HMGET', KEYS[1], 'queue', 'created_at'))
  enqueue(KEYS[3], KEYS[2], ARGV[2], ARGV[1], queue, created)
end
return 1
