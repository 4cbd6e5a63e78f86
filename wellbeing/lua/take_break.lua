-- A break the reviewer asked for: granted at once, whatever their state, never refused.
-- ARGV[1]: reviewer  ARGV[2]: team  ARGV[3]: now  ARGV[4]: seconds (0: the team's break_seconds)
-- ARGV[5]: its kind, kept as the break's reason: 'requested' or 'decompression' (issue 19: a
-- pause after severe items is a break like any other for every rule)
-- Returns the end of the break as the claim reports it (break_end_text).
-- needs: team_policy, start_break, break_end_text
local seconds = tonumber(ARGV[4])
if seconds <= 0 then seconds = team_policy(ARGV[2]).break_seconds end
local kind = ARGV[5] == 'decompression' and 'decompression' or 'requested'
local till = start_break(ARGV[1], ARGV[2], tonumber(ARGV[3]), seconds, kind)
return break_end_text(till)
