-- The bank's own `add` operation as one script: bank_add (bank/lua/) on KEYS and ARGV.
-- needs: bank_add
return bank_add(KEYS[1], ARGV[1], ARGV[2], ARGV[3], {unpack(ARGV, 4)})
