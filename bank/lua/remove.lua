-- Take an item out of the bank (admin removal): postings, hash and record (or its text key) go
-- in one step, so the entry stops matching at once.
-- KEYS[1]  the vendor's bank base key
-- ARGV[1]  item id
-- Returns 1 when the item was banked, 0 when it was not.
-- The script is `bank_remove(KEYS[1], ARGV[1])` (bank/scripts.py).
-- provides: bank_remove
-- needs: drop, bank_drop_text
local function bank_remove(base, item_id)
  local image = drop(base, item_id)
  if bank_drop_text(base, item_id) or image then return 1 end
  return 0
end
