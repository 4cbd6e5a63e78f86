-- The nearest banked image within a distance of one PDQ hash, across the given banks (the
-- vendor's own first, then banks linked to it). Candidates come from the multi-index (272
-- probes), are verified by exact Hamming distance, and at most `cap` are checked.
-- KEYS[1…]  bank base keys to search
-- ARGV[1]   the hash, 32 raw bytes
-- ARGV[2]   threshold: the largest distance that matches (31)
-- ARGV[3]   cap: the most candidates verified by distance in this lookup
-- ARGV[4]   the query's item id ('' if none): its not-a-match pairs are skipped
-- Returns {bank index (1-based) or 0, distance, record, checked, capped (0/1)}. The script is
-- `bank_lookup_image(KEYS, ARGV[1], …)` (bank/scripts.py); ingest can call it the same way.
-- provides: bank_lookup_image
-- needs: decode, distance, excluded, fetch, exact_first, CHUNKS, unpack32, rec_key
-- needs: RECORDS_PER_BUCKET
local function bank_lookup_image(bases, raw, threshold, cap, query_id)
  local q, chunks = decode(raw)
  local best_bank, best_d, best_entry = 0, threshold + 1, nil
  local checked, capped = 0, 0

  -- Verify one slot; false once the cap is reached (the search stops there).
  local function verify(b, hashes, skip, slot)
    if checked >= cap then capped = 1; return false end
    checked = checked + 1
    local d = distance(redis.call('GETRANGE', hashes, slot * 32, slot * 32 + 31), q, best_d)
    -- At equal distance the later decision wins (in the first bank that has one): it is the
    -- team's current judgement of that content, e.g. after a reviewer said "not a match".
    local newer = d == best_d and b == best_bank and slot > best_entry
    if (d < best_d or newer) and not skip[slot] then best_bank, best_d, best_entry = b, d, slot end
    return true
  end

  -- One bank, best first: slots sharing the most chunks exactly, then the one-bit neighbours. A
  -- slot whose least possible distance is no better than the best found is never fetched.
  local function search(b)
    local base = bases[b]
    local skip, hashes = excluded(base, query_id), base .. ':hashes'
    local got = fetch(base .. ':img:', chunks)
    local slots, bounds, seen = exact_first(got, 4)
    for i = 1, #slots do
      if bounds[i] > best_d then return true end
      if not verify(b, hashes, skip, slots[i]) then return false end
    end
    for round = 2, 17 do
      for c = 1, CHUNKS do
        local s = got[c][round]
        if s then
          for k = 1, #s, 4 do
            if CHUNKS > best_d then return true end
            local slot = unpack32(s, k)
            if not seen[slot] then
              seen[slot] = 0
              if not verify(b, hashes, skip, slot) then return false end
            end
          end
        end
      end
    end
    return true
  end

  for b = 1, #bases do
    if not search(b) then break end
  end
  if best_bank == 0 then return {0, 0, '', checked, capped} end
  local base = bases[best_bank]
  local record = redis.call('HGET', rec_key(base, best_entry),
    tostring(best_entry % RECORDS_PER_BUCKET))
  return {best_bank, best_d, record, checked, capped}
end
