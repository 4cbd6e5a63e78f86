-- Store a new item once per (vendor, external_id) and, when it is ready, put it in its pool.
-- KEYS[1]: vendor's external_id hash  KEYS[2]: item hash  KEYS[3]: pool zset
-- KEYS[4]: pools set  KEYS[5]: pools generation  KEYS[6]: the queue's waiting zset
-- ARGV[1]: external_id  ARGV[2]: item id  ARGV[3]: score  ARGV[4..]: item field, value pairs
-- Returns {1, id} when created, {0, existing id} when the external_id was seen before.
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if existing then
  return {0, existing}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], unpack(ARGV, 4))
if redis.call('HGET', KEYS[2], 'status') == 'queued' then
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
  redis.call('ZADD', KEYS[6], redis.call('HGET', KEYS[2], 'created_at'), ARGV[2])
  if redis.call('SADD', KEYS[4], KEYS[3]) == 1 then
    redis.call('INCR', KEYS[5])
  end
end
return {1, ARGV[2]}
