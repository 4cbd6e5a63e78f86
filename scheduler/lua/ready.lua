-- Media prepared (or failed): move a `processing` item to `queued` in its pool, or to `failed`.
-- KEYS[1]: item hash  KEYS[2]: pool zset  KEYS[3]: pool heads zset
-- ARGV[1]: item id  ARGV[2]: score  ARGV[3..]: field, value pairs (incl. status)
-- Returns 1 when applied, 0 when the item was not processing (a redelivered job).
-- needs: enqueue
if redis.call('HGET', KEYS[1], 'status') ~= 'processing' then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
if redis.call('HGET', KEYS[1], 'status') == 'queued' then
  redis.call('HSET', KEYS[1], 'pool', KEYS[2], 'score', ARGV[2])
  local queue, created = unpack(redis.call('HMGET', KEYS[1], 'queue', 'created_at'))
  enqueue(KEYS[3], KEYS[2], ARGV[2], ARGV[1], queue, created)
end
return 1
