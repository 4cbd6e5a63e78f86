-- A break the reviewer asked for: granted at once, whatever their state, never refused.
-- ARGV[1]: reviewer  ARGV[2]: team  ARGV[3]: now  ARGV[4]: seconds
-- Returns the end of the break.
return tostring(start_break(ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), 'requested'))
