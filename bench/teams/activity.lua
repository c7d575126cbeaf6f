-- wrk script of the /api/messages benchmark: every request is a Teams personal-chat message activity with its own
-- activity id (a redelivered id would be a cheap duplicate for our bot), spread over BENCH_CONVERSATIONS
-- conversations, one user each. Both bots get exactly this payload.
-- The activity id is "<run>-<µs since the epoch when wrk sends it>-<wrk thread>-<counter>": both bots name it as the
-- reply's replyToId, so the connector sink (connector-sink.mjs) times every reply from the message's send to the
-- reply's arrival, and tells replies of this run from late ones of another.
-- Environment:
--   BENCH_SERVICE_URL   the connector sink the replies go to (required)
--   BENCH_RUN           the run's label: keeps ids unique across runs against one database (no spaces)
--   BENCH_CONVERSATIONS how many conversations (default 200); 1 makes every message land in one busy conversation
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_usec; } bench_timeval;
  int gettimeofday(bench_timeval *tv, void *tz);
]]
local tv = ffi.new("bench_timeval")
local function now_us()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000000 + tonumber(tv.tv_usec)
end

local service_url = os.getenv("BENCH_SERVICE_URL") or error("BENCH_SERVICE_URL is not set")
local run = os.getenv("BENCH_RUN") or "run"
local conversations = tonumber(os.getenv("BENCH_CONVERSATIONS") or "200")
if conversations == nil or conversations < 1 then error("BENCH_CONVERSATIONS must be a positive number") end

local threads = {}
counter = 0   -- requests this thread has sent (a global, so done() reads it through thread:get)
thread_id = 0 -- set per thread by setup() (a global, so thread:set reaches it)

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json; charset=utf-8"
end

local template = '{"type":"message","id":"%s","timestamp":"2026-11-21T10:00:00.000Z","localTimestamp":"2026-11-21T11:00:00.000+01:00",'
  .. '"serviceUrl":"%s","channelId":"msteams",'
  .. '"from":{"id":"29:bench-user-%d","name":"Bench User %d","aadObjectId":"00000000-0000-4000-8000-%012d"},'
  .. '"conversation":{"conversationType":"personal","tenantId":"bench-tenant","id":"a:bench-conversation-%d"},'
  .. '"recipient":{"id":"28:bench-bot","name":"Bench Bot"},"textFormat":"plain","locale":"en-US",'
  .. '"text":"hello","entities":[{"type":"clientInfo","locale":"en-US","country":"US","platform":"Web","timezone":"Europe/Berlin"}],'
  .. '"channelData":{"tenant":{"id":"bench-tenant"}}}'

-- wrk calls request() right before it writes the request, so the time in the id is the send time.
function request()
  counter = counter + 1
  local n = (counter + thread_id * 7919) % conversations
  local id = string.format("%s-%.0f-%d-%d", run, now_us(), thread_id, counter)
  local body = string.format(template, id, service_url, n, n, n, n)
  return wrk.format(nil, nil, nil, body)
end

-- sent counts every request written, answered or not (those in flight when wrk stops, errors); requests counts the
-- answered ones.
function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  local sent = 0
  for _, thread in ipairs(threads) do
    sent = sent + (tonumber(thread:get("counter")) or 0)
  end
  io.write(string.format(
    "RESULT requests=%d sent=%d seconds=%.3f rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, sent, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    errors.status, errors.connect, errors.read, errors.write, errors.timeout))
end
