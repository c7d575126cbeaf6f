-- wrk script of the /api/messages benchmark: every request is a Teams personal-chat message activity with its own
-- activity id (a redelivered id would be a cheap duplicate for our bot), spread over BENCH_CONVERSATIONS
-- conversations, one user each. Both bots get exactly this payload. Environment:
--   BENCH_SERVICE_URL   the connector sink the replies go to (required)
--   BENCH_RUN           a label that keeps ids unique across runs against one database
--   BENCH_CONVERSATIONS how many conversations (default 200)
local service_url = os.getenv("BENCH_SERVICE_URL") or error("BENCH_SERVICE_URL is not set")
local run = os.getenv("BENCH_RUN") or "run"
local conversations = tonumber(os.getenv("BENCH_CONVERSATIONS") or "200")

local created = 0
local counter = 0
thread_id = 0 -- set per thread by setup() (a global, so thread:set reaches it)

function setup(thread)
  thread:set("thread_id", created)
  created = created + 1
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

function request()
  counter = counter + 1
  local n = (counter + thread_id * 7919) % conversations
  local id = string.format("%s-%d-%d", run, thread_id, counter)
  local body = string.format(template, id, service_url, n, n, n, n)
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    errors.status, errors.connect, errors.read, errors.write, errors.timeout))
end
