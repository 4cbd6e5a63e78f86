-- The bank's own `lookup_video` operation as one script: bank_lookup_video (bank/lua/) on KEYS and ARGV.
-- needs: bank_lookup_video
return bank_lookup_video(KEYS, tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]),
  ARGV[4], {unpack(ARGV, 5)})
