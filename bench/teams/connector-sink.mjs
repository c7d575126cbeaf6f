// The Bot Connector both bots reply to during the /api/messages benchmark: it accepts
// POST /v3/conversations/{id}/activities[/{replyToId}] and PUT updates, answers 200 with a new activity id the way
// the connector does, and times every reply from its message's send to its arrival here.
//
// The benchmark's message ids are "<run>-<µs since the epoch at send>-<wrk thread>-<counter>" (activity.lua), and
// both bots name the message a reply answers in its replyToId. Per run (POST /reset?run=NAME starts one), a message
// reply (POST, type message) is
//   answered  the first reply to a message of the current run: one latency sample (arrival - send)
//   extra     a further reply to a message already answered
//   foreign   a reply to a message of another run (a late reply of an earlier run)
//   unparsed  no replyToId, or one that is not a benchmark id
// Typing activities, PUT updates and other activity types are counted apart and are not replies.
//
//   GET  /stats                        the counts, reply latency p50/p90/p99/max in ms, first and last reply time
//                                      (ms since the epoch) as JSON
//   GET  /wait?count=N&timeout=S       answers once N messages of the run are answered, or after S seconds, with the
//                                      counts (reached: true/false)
//   POST /reset?run=NAME               forget everything and start run NAME
//
// Memory is bounded: the last 1,048,576 latency samples are kept (a ring; max is exact whatever the count), and the
// answered ids of the run are remembered up to 4,000,000 (past that, a second reply to an older id counts as
// answered, and untracked says how many were).
//   node connector-sink.mjs PORT
import http from 'node:http';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node connector-sink.mjs PORT');
  process.exit(64);
}

const SAMPLE_CAPACITY = 1 << 20;
const MAX_TRACKED = 4_000_000;
const ID = /^(.+)-(\d{10,17})-(\d{1,6})-(\d{1,12})$/;
const pattern = /^\/v3\/conversations\/[^/]+\/activities(\/[^/]+)?$/;

const samples = new Float64Array(SAMPLE_CAPACITY);
let state = fresh('');
let next = 0;
let waiters = [];

function fresh(run) {
  return {
    run, resetAt: Date.now(), answered: 0, extra: 0, foreign: 0, unparsed: 0, untracked: 0,
    typing: 0, updates: 0, other: 0, malformed: 0,
    seen: new Set(), written: 0, maxMs: 0, firstReplyMs: null, lastReplyMs: null,
  };
}

function nowUs() {
  return (performance.timeOrigin + performance.now()) * 1000;
}

function counts() {
  const { run, answered, extra, foreign, unparsed, untracked, typing, updates, other, malformed, firstReplyMs, lastReplyMs, resetAt } = state;
  return {
    run, answered, extra, foreign, unparsed, untracked, typing, updates, other, malformed,
    first_reply_ms: firstReplyMs, last_reply_ms: lastReplyMs, reset_ms: resetAt,
  };
}

function percentile(sorted, p) {
  if (sorted.length === 0) { return null; }
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

function stats() {
  const kept = Math.min(state.written, SAMPLE_CAPACITY);
  const sorted = samples.slice(0, kept).sort();
  const round = (v) => (v === null ? null : Math.round(v * 100) / 100);
  return {
    ...counts(),
    samples: kept,
    p50_ms: round(percentile(sorted, 50)),
    p90_ms: round(percentile(sorted, 90)),
    p99_ms: round(percentile(sorted, 99)),
    max_ms: kept === 0 ? null : round(state.maxMs),
  };
}

function reply(activity, arrivedUs) {
  const match = typeof activity.replyToId === 'string' ? ID.exec(activity.replyToId) : null;
  if (!match) { state.unparsed++; return; }
  if (match[1] !== state.run) { state.foreign++; return; }
  const key = Number(match[3]) * 2 ** 32 + Number(match[4]);
  if (state.seen.has(key)) { state.extra++; return; }
  if (state.seen.size < MAX_TRACKED) { state.seen.add(key); } else { state.untracked++; }
  const ms = Math.max(0, (arrivedUs - Number(match[2])) / 1000);
  samples[state.written % SAMPLE_CAPACITY] = ms;
  state.written++;
  if (ms > state.maxMs) { state.maxMs = ms; }
  state.answered++;
  const at = arrivedUs / 1000;
  if (state.firstReplyMs === null) { state.firstReplyMs = at; }
  state.lastReplyMs = at;
  if (waiters.length > 0) { release(false); }
}

function release(all) {
  waiters = waiters.filter((w) => {
    if (all || state.answered >= w.count) {
      clearTimeout(w.timer);
      w.answer(state.answered >= w.count);
      return false;
    }
    return true;
  });
}

function json(res, body) {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://sink');
  if (req.method === 'GET' && url.pathname === '/stats') {
    json(res, stats());
    return;
  }
  if (req.method === 'GET' && url.pathname === '/wait') {
    const count = Number(url.searchParams.get('count') ?? '0');
    const timeout = Number(url.searchParams.get('timeout') ?? '30');
    if (!Number.isFinite(count) || !Number.isFinite(timeout) || timeout < 0) {
      res.statusCode = 400;
      res.end();
      return;
    }
    if (state.answered >= count) {
      json(res, { ...counts(), reached: true });
      return;
    }
    const waiter = { count, answer: (reached) => json(res, { ...counts(), reached }) };
    waiter.timer = setTimeout(() => {
      waiters = waiters.filter((w) => w !== waiter);
      waiter.answer(false);
    }, timeout * 1000);
    waiters.push(waiter);
    return;
  }
  if (req.method === 'POST' && url.pathname === '/reset') {
    release(true);
    state = fresh(url.searchParams.get('run') ?? '');
    res.end();
    return;
  }
  if (!((req.method === 'POST' || req.method === 'PUT') && pattern.test(url.pathname))) {
    res.statusCode = 404;
    res.end();
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const arrivedUs = nowUs();
    let activity;
    try {
      activity = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      activity = null;
    }
    if (!activity || typeof activity.type !== 'string') {
      state.malformed++;
      res.statusCode = 400;
      res.end();
      return;
    }
    if (req.method === 'PUT') {
      state.updates++;
    } else if (activity.type === 'message') {
      reply(activity, arrivedUs);
    } else if (activity.type === 'typing') {
      state.typing++;
    } else {
      state.other++;
    }
    json(res, { id: `sink-${++next}` });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => console.log(`connector sink listening on 127.0.0.1:${port}`));
const stop = () => {
  release(true);
  server.close(() => process.exit(0));
  server.closeIdleConnections?.();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
