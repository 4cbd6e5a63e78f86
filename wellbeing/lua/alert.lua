-- Raise or clear an alert from Python (SLA risk, a lead resolving one by hand).
-- ARGV[1]: 'raise' or 'clear'  ARGV[2]: team  ARGV[3]: type  ARGV[4]: subject  ARGV[5]: now
-- ARGV[6]: reviewer ('' for none)  ARGV[7]: detail
-- Returns the new alert id when one was raised, else false.
-- needs: raise_alert, clear_alert
if ARGV[1] == 'raise' then
  return raise_alert(ARGV[2], ARGV[3], ARGV[4], ARGV[6], tonumber(ARGV[5]), ARGV[7])
end
clear_alert(ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]))
return false
