-- The banked video that the most of a new video's frames match, across the given banks, if
-- they are at least `percent` of its frames (vPDQ's rule: 80). A frame matches a banked video
-- when one of that video's frames is within the threshold; its distance is the nearest one.
-- KEYS[1…]  bank base keys to search
-- ARGV[1]   threshold: the largest frame distance that matches (31)
-- ARGV[2]   cap: the most candidates verified per frame
-- ARGV[3]   percent: the share of the new video's frames that must match one banked video
-- ARGV[4]   the query's item id ('' if none): its not-a-match pairs are skipped
-- ARGV[5…]  the new video's frame hashes, 32 raw bytes each (deduplicated by the caller)
-- Returns {bank index or 0, frames matched, frames, sum of distances, max distance, record,
-- checked, capped}. The script is `bank_lookup_video(KEYS, …)` (bank/scripts.py).
-- provides: bank_lookup_video
-- needs: decode, distance, excluded, fetch, exact_first, CHUNKS, unpack32, rec_key
-- needs: RECORDS_PER_BUCKET
local function bank_lookup_video(bases, threshold, cap, percent, query_id, raws)
  local frames = #raws
  local best = {bank = 0, count = 0, sum = 0, max = 0}
  local checked, capped = 0, 0
  for b = 1, #bases do
    local base = bases[b]
    local skip, hashes, near = excluded(base, query_id), base .. ':hashes', {}
    for f = 1, frames do
      local q, chunks = decode(raws[f])
      local here, mine, owner = 0, {}, {}
      -- Verify one frame slot against this query frame; false once the frame's cap is reached.
      local function verify(slot, entry)
        if here >= cap then capped = 1; return false end
        here = here + 1
        if skip[entry] then return true end
        local now = mine[entry] or threshold + 1
        local d = distance(redis.call('GETRANGE', hashes, slot * 32, slot * 32 + 31), q, now - 1)
        if d < now then mine[entry] = d end
        return true
      end
      local got = fetch(base .. ':vid:', chunks)
      local slots, _, seen = exact_first(got, 8, owner)
      local going = true
      for i = 1, #slots do
        going = verify(slots[i], owner[slots[i]])
        if not going then break end
      end
      for round = 2, 17 do
        for c = 1, CHUNKS do
          local s = going and got[c][round]
          if s then
            for k = 1, #s, 8 do
              local slot = unpack32(s, k)
              if not seen[slot] then
                seen[slot] = 0
                going = verify(slot, unpack32(s, k + 4))
                if not going then break end
              end
            end
          end
        end
      end
      checked = checked + here
      for entry, d in pairs(mine) do
        local n = near[entry] or {count = 0, sum = 0, max = 0}
        n.count, n.sum, n.max = n.count + 1, n.sum + d, math.max(n.max, d)
        near[entry] = n
      end
    end
    for entry, n in pairs(near) do
      -- The most frames matched, then the nearest; at a full tie the later decision wins.
      local tie = n.count == best.count and n.sum == best.sum and best.bank == b
        and entry > best.entry
      if n.count * 100 >= percent * frames and (n.count > best.count
          or (n.count == best.count and n.sum < best.sum) or tie) then
        best = {bank = b, entry = entry, count = n.count, sum = n.sum, max = n.max}
      end
    end
  end
  if best.bank == 0 then return {0, 0, frames, 0, 0, '', checked, capped} end
  local record = redis.call('HGET', rec_key(bases[best.bank], best.entry),
    tostring(best.entry % RECORDS_PER_BUCKET))
  return {best.bank, best.count, frames, best.sum, best.max, record, checked, capped}
end
