-- The bank's own `remove` operation as one script: bank_remove (bank/lua/) on KEYS and ARGV.
-- needs: bank_remove
return bank_remove(KEYS[1], ARGV[1])
