-- Seen before (issue 17): look a new item up in the bank before it is queued, and apply an
-- exact-enough prior decision at once (`auto`) or attach it for the reviewer (`assist`).
-- Runs inside ingest.lua (text) and ready.lua (media), so a match is part of the step that
-- queues the item: no item is ever queued and then matched, or matched and then lost.
-- `spec` is scheduler/matching.py's JSON: policy, kind, hashes (hex, good ones only) or key,
-- vendors (one per bank base, same order), threshold, cap, frame_cap, percent, auto_distance,
-- min_quality, quality (the query's lowest hash quality).
-- provides: find_match, apply_match, raw_hash, decision_of, match_before_queue, caught_text
-- needs: bank_lookup_image, bank_lookup_video, bank_lookup_text, record_fields, item_key
-- needs: audit, exposure_avoided_by_match, queue_decided

local function raw_hash(hex)
  return (string.gsub(hex, '..', function(h) return string.char(tonumber(h, 16)) end))
end

-- The nearest prior decision: {bank = index, distance = bits, record = text} or nil.
local function find_match(bases, spec, item_id)
  local r, distance, record
  if spec.kind == 'text' then
    r = bank_lookup_text(bases, spec.key, item_id)
    distance, record = 0, r[2]
  elseif spec.kind == 'image' then
    r = bank_lookup_image(bases, raw_hash(spec.hashes[1]), spec.threshold, spec.cap, item_id)
    distance, record = r[2], r[3]
  else
    local raws = {}
    for n, hex in ipairs(spec.hashes) do raws[n] = raw_hash(hex) end
    r = bank_lookup_video(bases, spec.threshold, spec.frame_cap, spec.percent, item_id, raws)
    distance, record = r[5], r[6]  -- the largest matched frame's distance: the cautious one
  end
  if r[1] == 0 then return nil end
  return {bank = r[1], distance = distance, record = record}
end

-- The decision JSON of a banked record, in scheduler.assignments._canonical's form.
local function decision_of(fields)
  local labels = {}
  for category, severity in string.gmatch(fields[8] or '', '([^,]+):([^,:]+)') do
    labels[#labels + 1] = '{"category":' .. cjson.encode(category) .. ',"severity":'
      .. severity .. '}'
  end
  return '{"labels":[' .. table.concat(labels, ',') .. '],"notes":null,"verdict":'
    .. cjson.encode(fields[2]) .. '}'
end

-- Record the match on the item; under `auto` rules decide it now (no human, no exposure) and
-- queue its webhook like a reviewer's decision. Returns 'auto' when decided, else 'assist'.
local function apply_match(item_id, spec, m, now, outbox)
  local fields = record_fields(m.record)
  local key = item_key(item_id)
  redis.call('HSET', key, 'match_item', fields[1], 'match_vendor', spec.vendors[m.bank],
    'match_distance', m.distance, 'match_record', m.record)
  local flags = fields[6] or ''
  local auto = spec.policy == 'auto' and m.distance <= spec.auto_distance
    and not string.find(flags, '[en]') and (tonumber(fields[5]) or 0) >= spec.min_quality
    and spec.quality >= spec.min_quality
  if not auto then return 'assist' end
  local decision = decision_of(fields)
  redis.call('HSET', key, 'status', 'decided', 'assignment', '', 'decision', decision,
    'decided_at', now, 'decided_by', '', 'decided_how', 'match')
  audit(now, 'decide', 'match', item_id, '{"item":' .. cjson.encode(item_id) .. ',"decision":'
    .. decision .. ',"match":' .. cjson.encode(fields[1]) .. '}')
  exposure_avoided_by_match(fields[1], item_id, now)  -- nobody reviewed it: avoided
  if redis.call('HGET', key, 'callback_url') ~= '' then
    queue_decided('evt_m' .. string.sub(item_id, 5), item_id, now, outbox)
  end
  return 'auto'
end

-- The step ingest.lua and ready.lua share: look the item up (`spec_json`, '' for no matching)
-- and apply what is found. A lookup that fails (a damaged bank) leaves the item to be queued
-- unmatched, never lost, with the error on the item. True when a match decided it (`auto`).
-- The text of an error caught by pcall (a redis.call error is a table with `err`).
local function caught_text(e)
  return type(e) == 'table' and tostring(e.err) or tostring(e)
end

local function match_before_queue(item_id, spec_json, bases, now, outbox)
  if spec_json == '' then return false end
  local spec = cjson.decode(spec_json)
  local ok, m = pcall(find_match, bases, spec, item_id)
  if not ok then
    redis.call('HSET', item_key(item_id), 'match_error', caught_text(m))
    return false
  end
  return m ~= nil and apply_match(item_id, spec, m, now, outbox) == 'auto'
end
