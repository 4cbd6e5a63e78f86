-- Record a decision exactly once, and queue its webhook, in one step.
-- KEYS[1]: assignment hash  KEYS[2]: leases zset  KEYS[3]: webhook outbox zset
-- ARGV[1]: reviewer  ARGV[2]: now  ARGV[3]: assignment id
-- ARGV[4]: the decision as canonical JSON (verdict, labels, notes): stored, and what "the same
-- decision again" compares  ARGV[5]: seconds of video played, then after a space the
-- playback rate (may be absent)
-- ARGV[6]: '1' if sound was on
-- ARGV[7]: the bank entry's kind (image|video|text; '' when nothing is banked: an escalation,
-- no good hash)  ARGV[8]: its record  ARGV[9]: its text key  ARGV[10]: the banked item the
-- reviewer said this is not ('' if none)  ARGV[11]: the group's JSON (split, members' bank
-- entries: grouping.lua group_decide; '' for none)  ARGV[12..]: its hashes, 32 raw bytes each
-- KEYS[4]: the item's vendor's bank base  KEYS[5]: the bank base of the not-a-match item
-- KEYS[6]: pool heads zset (split members go back to their pools)
-- KEYS[7]: for an escalation that is not final, the escalation pool the item goes to
-- (escalate.lua; '' otherwise: the decision is final)
-- The exposure event and the bank entry are written in this same step: a decision never exists
-- without them (bank/lua: bank_add, bank_add_text, bank_not_a_match).
-- Returns {'decided', item id}, {'same', item id}, {error tag: not_found|conflict|lease_lost}
-- or {'not_in_group', id} (a split id this assignment's group does not hold: nothing written).
-- A group's members are decided with the item, each on its own (grouping.lua group_decide).
-- The webhook event id is derived from the assignment id: one decision per assignment, so it is
-- unique, and the same on every retry.
-- needs: live_assignment, item_key, reviewer_key, skippers_key, end_exposure, audit
-- needs: queue_decided
-- needs: bank_add, bank_add_text, bank_not_a_match, exposure_decided, escalate_item
-- needs: group_decide, group_escalate
local now = tonumber(ARGV[2])
local a, err = live_assignment(KEYS[1], ARGV[3], ARGV[1], now)
if err == 'ended' and a.status == 'decided' then
  if a.decision_key == ARGV[4] then return {'same', a.item} end
  return {'conflict'}
end
if err then return {err == 'ended' and 'lease_lost' or err} end
local escalated = (KEYS[7] or '') ~= ''  -- not final: no bank entry, no webhook yet
-- The group first: a split id it does not hold refuses the whole decision before any write. An
-- escalation that is not final takes the rest of the group along to the senior's queue.
local stranger
if escalated then
  stranger = group_escalate(a.item, ARGV[3], ARGV[1], now, ARGV[11], KEYS[6])
else
  stranger = group_decide(a.item, ARGV[3], a, ARGV[1], ARGV[4], now, ARGV[11], KEYS[6], KEYS[3])
end
if stranger then return {'not_in_group', stranger} end

if escalated then
  escalate_item(a.item, KEYS[7], KEYS[6], now, ARGV[1])
else
  redis.call('HSET', item_key(a.item), 'status', 'decided', 'assignment', '',
    'decision', ARGV[4], 'decided_at', now, 'decided_by', ARGV[1], 'decided_how', 'reviewer')
end
if ARGV[10] ~= '' then bank_not_a_match(KEYS[5], a.item, ARGV[10]) end
if ARGV[7] == 'text' then
  bank_add_text(KEYS[4], a.item, ARGV[9], ARGV[8])
elseif ARGV[7] ~= '' then
  bank_add(KEYS[4], a.item, ARGV[7], ARGV[8], {unpack(ARGV, 12)})
end
redis.call('HSET', KEYS[1], 'status', 'decided', 'ended_at', now, 'decision_key', ARGV[4])
redis.call('ZREM', KEYS[2], ARGV[3])
redis.call('HDEL', reviewer_key(ARGV[1]), 'current')  -- a live assignment is the current one
redis.call('DEL', skippers_key(a.item))
if escalated then redis.call('SADD', skippers_key(a.item), ARGV[1]) end  -- someone else, next
local played, rate = string.match(ARGV[5], '^(%S*) ?(%S*)$')
end_exposure(ARGV[3], now, 'decided', true, played, ARGV[6], a, rate)
-- A confirmation of `seen_before` without a reveal counts as avoided (exposure/lua/avoided.lua)
exposure_decided(a, now, ARGV[6], cjson.decode(ARGV[4]).verdict, ARGV[10] ~= '')
audit(now, 'decide', 'reviewer:' .. ARGV[1], ARGV[3], '{"item":' .. cjson.encode(a.item)
  .. ',"decision":' .. ARGV[4] .. '}')
if a.callback and not escalated then
  queue_decided('evt_' .. string.sub(ARGV[3], 5), a.item, now, KEYS[3])
end
return {'decided', a.item}
