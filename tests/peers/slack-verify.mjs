// Asks @slack/bolt's own verifySlackRequest about signed requests (an independent oracle for our verifier).
// Usage: node slack-verify.mjs <cases.json>; each case {name, signingSecret, body, timestamp, signature, nowMilliseconds}.
// Prints one JSON line: [{name, valid, error}].
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { verifySlackRequest } = require('@slack/bolt');

const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const silent = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel() {}, setName() {} };
const results = cases.map((c) => {
  try {
    verifySlackRequest({
      signingSecret: c.signingSecret,
      body: c.body,
      headers: { 'x-slack-signature': c.signature, 'x-slack-request-timestamp': Number(c.timestamp) },
      nowMilliseconds: c.nowMilliseconds,
      logger: silent,
    });
    return { name: c.name, valid: true, error: null };
  } catch (e) {
    return { name: c.name, valid: false, error: String(e.message) };
  }
});
console.log(JSON.stringify(results));
