-- The scheduler's keys as scripts build them (scheduler/keys.py builds them in Python); the
-- wellbeing rules read a reviewer's or an assignment's hash through the same builders. Keys are derived from ids here because the ids are only known inside the
-- atomic step; Safeshift runs on one Redis primary (see README), not Redis Cluster.
-- provides: P, item_key, skippers_key, assignment_key, reviewer_key, waiting_key, group_key
local P = '{{PREFIX}}'

local function item_key(id) return P .. 'item:' .. id end
local function skippers_key(id) return P .. 'item:' .. id .. ':skippers' end
local function assignment_key(id) return P .. 'assignment:' .. id end
local function reviewer_key(reviewer) return P .. 'reviewer:' .. reviewer end
local function waiting_key(queue) return P .. 'queue:' .. queue .. ':waiting' end
-- The members of the group an item leads, scored by when they joined (scheduler/groups.py).
local function group_key(id) return P .. 'item:' .. id .. ':group' end
