-- wrk script: one request per call to a path naming an id drawn uniformly from 1..CC_IDS,
-- optionally paced to a total rate, reported as one JSON line (bench/report.lua's format).
--
--   CC_IDS=1000000 CC_METHOD=POST CC_PATH=/api/agents/{id}/heartbeat \
--   CC_RATE=5000 CC_THREADS=2 wrk -t2 -c64 -d10s -s bench/random_ids.lua -H 'Authorization: …' URL
--
-- CC_FLEET=K (optional) draws from a fleet instead: K agents spread evenly over 1..CC_IDS, each
-- taken once per cycle in a fixed scrambled order, so that paced at R/s every agent of the fleet
-- heartbeats once each K/R seconds (100,000 agents at 5,000/s: every 20 s), as a real fleet does.
--
-- CC_ID_FORMAT (optional, a Lua format such as %04d) writes the id into the path in that form:
-- CC_IDS=9999 CC_ID_FORMAT=%04d CC_PATH='/api/agents?q={id}' searches a different four digits
-- each request.
--
-- CC_RATE (requests a second over all threads; 0 or unset: as fast as the connections go) is
-- held by delay(): each thread owns CC_RATE / CC_THREADS evenly spaced send slots and every
-- request waits for the next free one, so a thread that falls behind catches up instead of
-- losing slots; the achieved rate is what report.lua prints. wrk starts the clock for a
-- request when it is written, so latency is the server's answer time, not the lag behind the
-- schedule (if the target cannot be held, the achieved rate shows it). Run from the
-- repository's root (report.lua is loaded by relative path).
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } cc_timespec;
  int clock_gettime(int clk_id, cc_timespec *tp);
]]
local ts = ffi.new("cc_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local ids = tonumber(os.getenv("CC_IDS") or "1")
local method = os.getenv("CC_METHOD") or "GET"
local template = os.getenv("CC_PATH") or "/api/agents/{id}"
local rate = tonumber(os.getenv("CC_RATE") or "0")
local threads = tonumber(os.getenv("CC_THREADS") or "1")
local fleet = tonumber(os.getenv("CC_FLEET") or "0")
local id_format = os.getenv("CC_ID_FORMAT") or "%d"

local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("cc_thread", counter)
end

local period_ms, next_slot
local fleet_next -- this thread's position in the fleet's cycle
function init(args)
  math.randomseed(os.time() * 100 + (cc_thread or 0))
  fleet_next = (cc_thread or 1) - 1
  if rate > 0 then period_ms = 1000.0 * threads / rate end
end

-- Defined only when pacing: wrk times every request through delay() once it exists.
if rate > 0 then
  function delay()
    local t = now_ms()
    if not next_slot then next_slot = t end
    next_slot = next_slot + period_ms
    local wait = next_slot - t
    if wait < 1 then return 0 end
    return math.floor(wait)
  end
end

-- The fleet's k-th agent in the cycle: k scrambled by a prime that shares no factor with
-- 100,000-style fleet sizes (a permutation of 0..K-1 when gcd(7919, K) = 1), then spread over
-- the table. Thread t takes k = t-1, t-1+threads, ...
local function fleet_id()
  local k = fleet_next % fleet
  fleet_next = fleet_next + threads
  local slot = (k * 7919) % fleet
  return 1 + math.floor(slot * ids / fleet)
end

function request()
  local id = fleet > 0 and fleet_id() or math.random(1, ids)
  local path = template:gsub("{id}", string.format(id_format, id))
  if method == "GET" then return wrk.format("GET", path, nil, nil) end
  return wrk.format(method, path, nil, "")
end

dofile("bench/report.lua")
