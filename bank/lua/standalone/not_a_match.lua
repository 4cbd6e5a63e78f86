-- The bank's own `not_a_match` operation as one script: bank_not_a_match (bank/lua/) on KEYS and ARGV.
-- needs: bank_not_a_match
return bank_not_a_match(KEYS[1], ARGV[1], ARGV[2])
