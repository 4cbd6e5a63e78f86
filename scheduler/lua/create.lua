-- Create a record only if its id is free, and index it, in one step.
-- KEYS[1]: the record's hash   KEYS[2]: a set to add the id to ("" style: may equal KEYS[1] to skip)
-- ARGV[1]: the id to add to KEYS[2]   ARGV[2..]: field, value pairs
-- Returns 1 when created, 0 when the id was taken.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
if KEYS[2] ~= KEYS[1] then
  redis.call('SADD', KEYS[2], ARGV[1])
end
return 1
