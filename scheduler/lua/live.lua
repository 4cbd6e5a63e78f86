-- Shared check for scripts acting on a live assignment.
-- Returns the assignment's fields, or an error tag: 'not_found' (no such assignment for this
-- reviewer: indistinguishable on purpose), 'lease_lost'.
-- provides: live_assignment
local function live_assignment(akey, aid, reviewer, now)
  local a = redis.call('HMGET', akey, 'item', 'reviewer', 'status', 'expires_at', 'decision_key',
    'level', 'team', 'callback', 'started_at', 'reveals')
  if not a[1] or a[2] ~= reviewer then return nil, 'not_found' end
  local fields = {item = a[1], reviewer = a[2], status = a[3], expires_at = tonumber(a[4]),
    decision_key = a[5], level = a[6], team = a[7], callback = a[8] == '1',
    started_at = tonumber(a[9]), reveals = tonumber(a[10]) or 0}
  -- A live assignment past its expiry lost its lease even if no sweep has run yet. Every path
  -- that takes an item from an assignment closes the assignment in the same script, so a live
  -- one always still holds its item.
  if a[3] ~= 'live' then return fields, 'ended' end
  if fields.expires_at <= now then return fields, 'lease_lost' end
  return fields, nil
end
