-- Who the work is for (issue 19), frozen on the item at its first claim, in the claim's own
-- step: the vendor's display name (else its name, else its id) and the queue's purpose as that
-- vendor states it (else the admin's; '' when nobody stated one). Renaming later changes only
-- items claimed afterwards, so a reviewer's record keeps saying whom the work was for then.
-- provides: freeze_for_whom
-- needs: item_key, P

local function freeze_for_whom(id)
  local key = item_key(id)
  local f = redis.call('HMGET', key, 'vendor', 'queue', 'vendor_name')
  if not f[1] or f[1] == '' or f[3] then return end
  local v = redis.call('HMGET', P .. 'vendor:' .. f[1], 'display_name', 'name')
  local name = (v[1] and v[1] ~= '' and v[1]) or (v[2] and v[2] ~= '' and v[2]) or f[1]
  local said = redis.call('HMGET', P .. 'queue:' .. (f[2] or '') .. ':purposes', f[1],
    '{{ANY_VENDOR}}')
  redis.call('HSET', key, 'vendor_name', name, 'purpose', said[1] or said[2] or '')
end
