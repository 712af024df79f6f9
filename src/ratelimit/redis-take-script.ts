/** The Lua side of redis-store.ts; kept as a string so the build needs no asset copying. */
export const TAKE_SCRIPT = `
-- One all-or-nothing take over sliding logs (sorted sets scored by time in ms). Mirrors memory-store.ts.
-- Every key is declared (Redis Cluster routes a script by its keys, and all of them share one {hash tag}).
-- KEYS: the n bucket logs, then (when fair share is on) pool, active agents, weights, this agent's log, and
--       the logs of the other agents the caller believes active, in the order of their ids in ARGV.
-- ARGV: n, member, then limit and windowMs per bucket, then (fair share) agentPrefix, agentId, weight,
--       budget, windowMs, headroom, m, and the m other agents' ids.
-- Returns {0, count…} when taken (each bucket's and the pool's count after the take, for a warm fallback);
-- {1, index, ms} bucket refused; {2, ms} pool full; {3, ms, share} share refused; {4, id…} the caller
-- declared the wrong agents: here are the active ones, declare their logs and call again (nothing changed).
-- Time comes from Redis so that several Bollard processes agree on it.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = tonumber(ARGV[1])
local member = ARGV[2]

local function prune(key, win)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - win)
  return redis.call('ZCARD', key)
end

local function ms_before_next(key, win)
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if #oldest == 0 then return win end
  return tonumber(oldest[2]) + win - now
end

for i = 1, n do
  local limit = tonumber(ARGV[1 + 2 * i])
  local win = tonumber(ARGV[2 + 2 * i])
  if prune(KEYS[i], win) >= limit then
    return {1, i - 1, ms_before_next(KEYS[i], win)}
  end
end

local taken = {}
for i = 1, n do taken[i] = {KEYS[i], tonumber(ARGV[2 + 2 * i])} end

if #KEYS > n then
  local pool, active, weights, mine = KEYS[n + 1], KEYS[n + 2], KEYS[n + 3], KEYS[n + 4]
  local base = 3 + 2 * n
  local prefix, agent = ARGV[base], ARGV[base + 1]
  local weight, budget, win = tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3]), tonumber(ARGV[base + 4])
  local headroom = tonumber(ARGV[base + 5])
  local declared = {}
  for j = 1, tonumber(ARGV[base + 6]) do declared[ARGV[base + 6 + j]] = KEYS[n + 4 + j] end
  redis.call('ZREMRANGEBYSCORE', active, '-inf', now - win)
  local ids = redis.call('ZRANGE', active, 0, -1)
  for _, id in ipairs(ids) do
    if id ~= agent and not declared[id] then return {4, unpack(ids)} end
  end
  local used = prune(pool, win)
  local my_used = prune(mine, win)
  -- A refused agent still claims its share (see window-store.ts).
  redis.call('ZADD', active, now, agent)
  redis.call('HSET', weights, agent, weight)
  redis.call('PEXPIRE', active, win)
  redis.call('PEXPIRE', weights, win)
  if used >= budget then return {2, ms_before_next(pool, win)} end
  local others = {}
  local total = weight
  for _, id in ipairs(ids) do
    if id ~= agent then
      local w = tonumber(redis.call('HGET', weights, id) or '1')
      others[#others + 1] = {w, prune(declared[id], win)}
      total = total + w
    end
  end
  local lendable = math.max(1, budget - headroom)
  local share = lendable * weight / total
  if my_used + 1 > share then
    local owed = 0
    for _, o in ipairs(others) do owed = owed + math.max(0, lendable * o[1] / total - o[2]) end
    if used + 1 + owed > lendable then
      return {3, ms_before_next(mine, win), tostring(share)}
    end
  end
  taken[#taken + 1] = {pool, win}
  taken[#taken + 1] = {mine, win}
end

local counts = {0}
for i, entry in ipairs(taken) do
  redis.call('ZADD', entry[1], now, member)
  redis.call('PEXPIRE', entry[1], entry[2])
  if i <= n + 1 then counts[#counts + 1] = redis.call('ZCARD', entry[1]) end
end
return counts
`;

/**
 * Moves one member to Redis's now in each given sorted set, only where it is still present, and pushes
 * the set's expiry back by as much (each set expires one window after its newest entry).
 */
export const RESTAMP_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #KEYS do
  local old = redis.call('ZSCORE', KEYS[i], ARGV[1])
  if old then
    redis.call('ZADD', KEYS[i], 'XX', now, ARGV[1])
    local ttl = redis.call('PTTL', KEYS[i])
    if ttl > 0 then redis.call('PEXPIRE', KEYS[i], ttl + math.max(0, now - tonumber(old))) end
  end
end
return 0
`;
