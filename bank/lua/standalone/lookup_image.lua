-- The bank's own `lookup_image` operation as one script: bank_lookup_image (bank/lua/) on KEYS and ARGV.
-- needs: bank_lookup_image
return bank_lookup_image(KEYS, ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4])
