-- Take an item out of the bank (admin removal): postings, hash, record and not-a-match list go
-- in one step, so the entry stops matching at once.
-- KEYS[1]  the vendor's bank base key
-- ARGV[1]  item id
-- Returns 1 when the item was banked, 0 when it was not.
if drop(KEYS[1], ARGV[1]) then return 1 end
return 0
