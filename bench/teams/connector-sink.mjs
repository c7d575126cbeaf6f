// The Bot Connector both bots reply to during the /api/messages benchmark: it accepts
// POST /v3/conversations/{id}/activities (and PUT updates), answers 200 with a new activity id the way the
// connector does, and counts what it received. GET /stats returns the counts as JSON.
//   node connector-sink.mjs PORT
import http from 'node:http';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node connector-sink.mjs PORT');
  process.exit(64);
}
let replies = 0;
let malformed = 0;
let next = 0;
const pattern = /^\/v3\/conversations\/[^/]+\/activities(\/[^/]+)?$/;

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ replies, malformed }));
    return;
  }
  if (req.method === 'POST' && req.url === '/reset') {
    replies = 0; malformed = 0;
    res.end();
    return;
  }
  const path = (req.url ?? '').split('?')[0];
  if (!((req.method === 'POST' || req.method === 'PUT') && pattern.test(path))) {
    res.statusCode = 404;
    res.end();
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let activity;
    try {
      activity = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      activity = null;
    }
    if (!activity || typeof activity.type !== 'string') {
      malformed++;
      res.statusCode = 400;
      res.end();
      return;
    }
    if (activity.type === 'message') {
      replies++;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ id: `sink-${++next}` }));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => console.log(`connector sink listening on 127.0.0.1:${port}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
