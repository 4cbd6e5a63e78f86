-- Bank one decided item: its record and every index posting of its hash(es), in one step, so a
-- decision never exists in the bank half-indexed. A banked item added again is replaced.
-- KEYS[1]  the vendor's bank base key (bank/keys.py base())
-- ARGV[1]  item id
-- ARGV[2]  "image" or "video"
-- ARGV[3]  the record, tab-separated (bank/models.py Record.pack)
-- ARGV[4…] the hashes, 32 raw bytes each: one for an image, one per kept frame for a video
-- Returns the entry number. The script is `bank_add` called with those (bank/scripts.py); a
-- script that banks as part of a bigger step (the decision) prepends common.lua and this file
-- and calls bank_add itself.
-- provides: bank_add
-- needs: drop, decode, CHUNKS, post, pack32, RECORDS_PER_BUCKET, rec_key, ids_key
local function bank_add(base, item_id, kind, record, raws)
  drop(base, item_id)
  local frames = #raws
  local entry = redis.call('INCRBY', base .. ':next', frames) - frames + 1
  for n = 1, frames do
    local slot = entry + n - 1
    local raw = raws[n]
    local _, chunks = decode(raw)
    for c = 1, CHUNKS do
      if kind == 'video' then
        post(base .. ':vid:' .. (c - 1), chunks[c], pack32(slot) .. pack32(entry))
      else
        post(base .. ':img:' .. (c - 1), chunks[c], pack32(slot))
      end
    end
  end
  redis.call('SETRANGE', base .. ':hashes', entry * 32, table.concat(raws))
  redis.call('HSET', rec_key(base, entry), tostring(entry % RECORDS_PER_BUCKET), record)
  redis.call('HSET', ids_key(base, item_id), item_id, entry)
  return entry
end
