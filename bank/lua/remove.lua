-- Take an item out of the bank (admin removal): postings, hash, record and not-a-match list go
-- in one step, so the entry stops matching at once.
-- KEYS[1]  the vendor's bank base key
-- ARGV[1]  item id
-- Returns 1 when the item was banked, 0 when it was not.
-- The script is `bank_remove(KEYS[1], ARGV[1])` (bank/scripts.py).
local function bank_remove(base, item_id)
  if drop(base, item_id) then return 1 end
  return 0
end
