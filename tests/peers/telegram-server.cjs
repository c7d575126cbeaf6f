// Starts telegram-test-api (a fake Bot API) on 127.0.0.1:PORT and prints "ready". Stopped by the test (SIGTERM/SIGKILL).
// The product never talks to it directly: tests/Bot.Tests.Support/TelegramApiNormaliser.cs sits in front and makes its
// answers those of the real Bot API (each deviation is listed in TelegramFakeDeviations.cs).
// Run with `node --unhandled-rejections=warn`: the fake throws when a webhook target refuses a call.
const TelegramServer = require('telegram-test-api');

const port = Number(process.argv[2]);
const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 900 });
server.start().then(() => console.log('ready'));
const stop = () => server.stop().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
