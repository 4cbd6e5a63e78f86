-- Requeue items whose lease expired. Idempotent: safe when several processes run it.
-- KEYS[1]: leases zset   KEYS[2]: pool heads zset
-- ARGV[1]: now (unix s)  ARGV[2]: how many leases at most
-- needs: expire_leases
return expire_leases(KEYS[1], KEYS[2], ARGV[1], tonumber(ARGV[2]))
