// The reference peer of the /api/messages benchmark: Microsoft's botbuilder SDK (CloudAdapter) answering every
// message with an echo, the way Microsoft's echo sample does, without an app id (no tokens either way, as our host
// runs with Teams:AppId empty). Its replies go to the activity's serviceUrl, the benchmark's connector sink.
//   node echo-bot.mjs PORT
// Node's own http server stands in for restify/express: CloudAdapter.process only needs the parsed body, the
// headers and a response with status/header/send/end.
import http from 'node:http';
import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node echo-bot.mjs PORT');
  process.exit(64);
}

const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
adapter.onTurnError = async (context, error) => {
  console.error(`turn error: ${error?.message ?? error}`);
};

class EchoBot extends ActivityHandler {
  constructor() {
    super();
    this.onMessage(async (context, next) => {
      await context.sendActivity(`Echo: ${context.activity.text}`);
      await next();
    });
  }
}
const bot = new EchoBot();

function wrap(res) {
  return {
    socket: res.socket,
    status(code) { res.statusCode = code; return this; },
    header(name, value) { res.setHeader(name, value); return this; },
    send(body) {
      if (body === undefined || body === null) { return this; }
      if (typeof body === 'string' || Buffer.isBuffer(body)) { res.write(body); return this; }
      if (!res.headersSent) { res.setHeader('content-type', 'application/json'); }
      res.write(JSON.stringify(body));
      return this;
    },
    end(...args) { res.end(...args); return this; },
  };
}

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/api/messages') {
    res.statusCode = 404;
    res.end();
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.statusCode = 400;
      res.end();
      return;
    }
    try {
      await adapter.process({ body, headers: req.headers, method: req.method }, wrap(res), (context) => bot.run(context));
    } catch (error) {
      console.error(`process error: ${error?.message ?? error}`);
      if (!res.writableEnded) { res.statusCode = 500; res.end(); }
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => console.log(`echo bot listening on 127.0.0.1:${port}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
