// Drives our Direct Line 3.0 endpoint with Microsoft's own client, botframework-directlinejs (the library Web Chat
// uses), over its WebSocket transport, the way a browser would.
//
//   node directline-client.mjs BASE_URL [TIMEOUT_MS]
//
// 1. POST BASE/v3/directline/conversations (loopback owner, no auth) for a conversation and its token.
// 2. Client A: new DirectLine({ domain, token, webSocket: true }). Posts "/help" and "hello there" with
//    channelData.clientActivityID (as Web Chat does) and waits, for each, for the echo of its own activity and the
//    bot's reply on activity$.
// 3. Client A ends. While no client is connected, "/threads" is posted over plain HTTP.
// 4. Client B: new DirectLine({ domain, token, conversationId, watermark, webSocket: true }) (reconnect through
//    GET /conversations/{id}?watermark=): must replay exactly what came after the watermark (the offline message
//    and its reply), then carries one more exchange ("/help").
// 5. Client C: the same without a watermark: must replay the whole history, in order, without duplicates.
//
// Prints one JSON line with what it saw (for the C# test to check) and exits 0; on any failure or timeout it prints
// {"ok":false,"error":...}, says why on stderr, and exits 1.

import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';

const require = createRequire(import.meta.url);
const NodeWebSocket = require('ws');
const XHR2 = require('xhr2');

const [baseArg, timeoutArg] = process.argv.slice(2);
if (!baseArg) {
  console.error('usage: node directline-client.mjs BASE_URL [TIMEOUT_MS]');
  process.exit(2);
}
const base = baseArg.replace(/\/+$/, '');
const domain = `${base}/v3/directline`;
const timeoutMs = Number(timeoutArg ?? 60000);

// ---- Browser globals directlinejs expects, instrumented so the result shows which transport carried what. ----

const transport = { webSockets: [], http: [] };

class RecordingWebSocket extends NodeWebSocket {
  constructor(url, ...rest) {
    super(url, ...rest);
    const record = { url: redactToken(String(url)), opened: false, frames: 0, closeCode: null };
    transport.webSockets.push(record);
    this.addEventListener('open', () => { record.opened = true; });
    this.addEventListener('message', () => { record.frames++; });
    this.addEventListener('close', (event) => { record.closeCode = event.code; });
  }
}

class RecordingXMLHttpRequest extends XHR2 {
  open(method, url, ...rest) {
    this._record = { method, url: redactToken(String(url)).replace(domain, ''), status: null };
    transport.http.push(this._record);
    this.addEventListener('loadend', () => { this._record.status = this.status; });
    return super.open(method, url, ...rest);
  }
}

globalThis.WebSocket = RecordingWebSocket;
globalThis.XMLHttpRequest = RecordingXMLHttpRequest;

const { DirectLine, ConnectionStatus } = require('botframework-directlinejs');

function redactToken(url) {
  return url.replace(/([?&]t=)[^&]+/, '$1<token>');
}

// ---- Helpers ----

class Failure extends Error {}

function fail(message) {
  throw new Failure(message);
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(what, predicate, ms = 15000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = predicate();
    if (value) {
      return value;
    }
    await delay(20);
  }
  fail(`timed out after ${ms} ms waiting for ${what}`);
}

const clientActivityIdOf = (activity) => activity?.channelData?.clientActivityID ?? null;
const isBot = (activity) => activity?.from?.role === 'bot';

function summary(activity) {
  return {
    id: activity.id,
    type: activity.type,
    fromId: activity.from?.id ?? null,
    role: activity.from?.role ?? null,
    text: activity.text ?? null,
    clientActivityID: clientActivityIdOf(activity),
    replyToId: activity.replyToId ?? null,
    conversationId: activity.conversation?.id ?? null,
  };
}

/** One DirectLine instance with everything it emitted recorded. */
function connect(name, options) {
  const directLine = new DirectLine({ domain, webSocket: true, timeout: 10000, ...options });
  const client = { name, directLine, statuses: [], activities: [], errors: [] };
  client.statusSubscription = directLine.connectionStatus$.subscribe(
    (status) => client.statuses.push(ConnectionStatus[status]),
    (error) => client.errors.push(`connectionStatus$: ${error?.message ?? error}`),
  );
  client.activitySubscription = directLine.activity$.subscribe(
    (activity) => client.activities.push(activity),
    (error) => {
      // end() makes activity$ fail with "conversation ended"; anything before that is a real error.
      if (!client.ended) {
        client.errors.push(`activity$: ${error?.message ?? error?.type ?? error}`);
      }
    },
  );
  return client;
}

async function waitOnline(client) {
  await until(`${client.name} to be Online`, () => {
    if (client.errors.length > 0) {
      fail(`${client.name}: ${client.errors.join('; ')}`);
    }
    const last = client.statuses.at(-1);
    if (last === 'FailedToConnect' || last === 'Ended' || last === 'ExpiredToken') {
      fail(`${client.name} went ${last} while connecting (statuses: ${client.statuses.join(' > ')})`);
    }
    return last === 'Online';
  });
}

async function end(client) {
  client.ended = true;
  client.directLine.end();
  client.activitySubscription.unsubscribe();
  client.statusSubscription.unsubscribe();
  const sockets = transport.webSockets;
  await until(`${client.name}'s WebSocket to close`, () => sockets.every((s) => s.closeCode !== null || !s.opened), 5000);
}

/** Posts through directlinejs's postActivity and waits for the echo and the bot's first reply after it. */
async function exchange(client, text) {
  const clientActivityID = `dljs-${randomUUID()}`;
  const activity = {
    type: 'message',
    from: { id: 'dljs-user', name: 'Direct Line JS test' },
    text,
    locale: 'en-US',
    textFormat: 'plain',
    timestamp: new Date().toISOString(),
    channelData: { clientActivityID },
  };
  const started = Date.now();
  const id = await new Promise((resolve, reject) => {
    client.directLine.postActivity(activity).subscribe(resolve, (error) =>
      reject(new Failure(`postActivity(${JSON.stringify(text)}) failed: HTTP ${error?.status ?? '?'} ${JSON.stringify(error?.response ?? error?.message ?? error)}`)));
  });
  if (typeof id !== 'string' || id === 'retry' || id.length === 0) {
    fail(`postActivity(${JSON.stringify(text)}) answered ${JSON.stringify(id)} instead of an activity id`);
  }
  const echoIndex = await until(`the echo of ${JSON.stringify(text)} (clientActivityID ${clientActivityID})`,
    () => { const i = client.activities.findIndex((a) => clientActivityIdOf(a) === clientActivityID); return i >= 0 ? i + 1 : 0; }) - 1;
  const echo = client.activities[echoIndex];
  const replyIndex = await until(`the bot's reply to ${JSON.stringify(text)}`,
    () => { const i = client.activities.findIndex((a, n) => n > echoIndex && isBot(a)); return i >= 0 ? i + 1 : 0; }) - 1;
  const reply = client.activities[replyIndex];
  return { text, clientActivityID, postedId: id, echo: summary(echo), reply: summary(reply), ms: Date.now() - started };
}

async function http(method, path, token, body) {
  const response = await fetch(`${domain}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: response.status, json, text };
}

function duplicates(ids) {
  return ids.filter((id, i) => ids.indexOf(id) !== i);
}

// ---- The scenario ----

async function main() {
  const result = { ok: false, library: require('botframework-directlinejs/package.json').version };

  const started = await http('POST', '/conversations');
  if (started.status !== 201 && started.status !== 200) {
    fail(`POST /conversations answered ${started.status}: ${started.text}`);
  }
  const { conversationId, token, streamUrl } = started.json ?? {};
  if (!conversationId || !token || !streamUrl) {
    fail(`POST /conversations lacks conversationId, token or streamUrl: ${started.text}`);
  }
  result.conversationId = conversationId;
  result.startStatus = started.status;

  // Client A: token only, as Web Chat gets it from a token service; directlinejs then starts the conversation itself.
  const a = connect('client A', { token });
  await waitOnline(a);
  if (a.directLine.conversationId !== conversationId) {
    fail(`client A joined conversation ${a.directLine.conversationId}, not the token's ${conversationId}`);
  }
  await until('client A\'s WebSocket to open', () => transport.webSockets.some((s) => s.opened));
  const help = await exchange(a, '/help');
  const hello = await exchange(a, 'hello there');
  const watermark = a.directLine.watermark;
  if (!watermark) {
    fail('client A has no watermark after two exchanges: the stream frames carried none');
  }
  const aIds = a.activities.map((x) => x.id);
  result.clientA = {
    statuses: a.statuses,
    exchanges: [help, hello],
    activities: a.activities.map(summary),
    duplicateIds: duplicates(aIds),
    watermark,
  };
  await end(a);

  // While nobody listens: a message over plain HTTP, answered by the bot into the log.
  const offlineClientId = `http-${randomUUID()}`;
  const offline = await http('POST', `/conversations/${conversationId}/activities`, token, {
    type: 'message', from: { id: 'dljs-user' }, text: '/threads', channelData: { clientActivityID: offlineClientId },
  });
  if (offline.status !== 200 || !offline.json?.id) {
    fail(`POST activities (offline) answered ${offline.status}: ${offline.text}`);
  }
  // Wait until the reply is in the log, so client B's replay must contain it.
  let logAfter;
  const logDeadline = Date.now() + 15000;
  while (Date.now() < logDeadline) {
    logAfter = await http('GET', `/conversations/${conversationId}/activities?watermark=${watermark}`, token);
    if (logAfter.status === 200 && (logAfter.json?.activities ?? []).some(isBot)) break;
    await delay(50);
  }
  if (!(logAfter?.json?.activities ?? []).some(isBot)) {
    fail(`the bot did not answer the message posted while disconnected (GET activities: ${logAfter?.status} ${logAfter?.text})`);
  }

  // Client B: reconnect with conversationId + token + watermark.
  const b = connect('client B', { token, conversationId, watermark });
  await waitOnline(b);
  const replayedB = await until('client B\'s replay of the offline exchange', () =>
    b.activities.some((x) => clientActivityIdOf(x) === offlineClientId) && b.activities.some(isBot) ? [...b.activities] : null);
  const threads = await exchange(b, '/help');
  result.clientB = {
    statuses: b.statuses,
    watermarkGiven: watermark,
    replayed: replayedB.map(summary),
    replayedIdsSeenByA: replayedB.map((x) => x.id).filter((id) => aIds.includes(id)),
    offline: { clientActivityID: offlineClientId, postedId: offline.json.id },
    exchanges: [threads],
    duplicateIds: duplicates(b.activities.map((x) => x.id)),
  };
  await end(b);

  // Client C: reconnect without a watermark: the whole history.
  const c = connect('client C', { token, conversationId });
  await waitOnline(c);
  const expected = 8; // four messages, each with its echo and one reply
  await until(`client C's replay of the whole history (${expected} activities)`, () => c.activities.length >= expected);
  await delay(300); // anything extra (a duplicate) would arrive in the same or the next frame
  result.clientC = {
    statuses: c.statuses,
    history: c.activities.map(summary),
    duplicateIds: duplicates(c.activities.map((x) => x.id)),
  };
  await end(c);

  result.transport = {
    webSockets: transport.webSockets,
    httpRequests: transport.http,
    activityPolls: transport.http.filter((r) => r.method === 'GET' && /\/activities/.test(r.url)).length,
  };
  result.ok = true;
  return result;
}

const watchdog = setTimeout(() => {
  console.log(JSON.stringify({ ok: false, error: `timed out after ${timeoutMs} ms`, transport }));
  console.error(`directline-client: timed out after ${timeoutMs} ms`);
  process.exit(1);
}, timeoutMs);

main().then(
  (result) => {
    clearTimeout(watchdog);
    console.log(JSON.stringify(result));
    process.exit(0);
  },
  (error) => {
    clearTimeout(watchdog);
    const message = error instanceof Failure ? error.message : (error?.stack ?? String(error));
    console.log(JSON.stringify({ ok: false, error: message, transport }));
    console.error(`directline-client: ${message}`);
    process.exit(1);
  },
);
