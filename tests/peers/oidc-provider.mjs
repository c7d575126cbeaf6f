// A real OpenID Provider (the npm package oidc-provider) on 127.0.0.1 for the end-to-end tests of the web app's OpenID
// Connect sign-in. One confidential client; its login page (the package's development interactions) accepts any login
// and password, and the account's claims are sub = the login and name = "Person <login>". Signing keys are made at start
// and live only in this process.
//
//   node oidc-provider.mjs --port 4100 --client-id bot-web --client-secret s3cret --redirect-uri http://127.0.0.1:5080/signin-oidc
//
// Prints "oidc-provider listening on <issuer>" once it accepts connections; stops on SIGTERM or when stdin closes.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

function argument(name) {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0 || at + 1 >= process.argv.length) {
    console.error(`missing --${name}`);
    process.exit(2);
  }
  return process.argv[at + 1];
}

const port = Number(argument('port'));
const issuer = `http://127.0.0.1:${port}`;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signing = { ...privateKey.export({ format: 'jwk' }), kid: 'test-signing-key', use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: argument('client-id'),
    client_secret: argument('client-secret'),
    redirect_uris: [argument('redirect-uri')],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  jwks: { keys: [signing] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], profile: ['name'] },
  async findAccount(_ctx, id) {
    return { accountId: id, async claims() { return { sub: id, name: `Person ${id}` }; } };
  },
});
// The development login pages import a web font from the internet; the tests' browser may reach only loopback peers,
// so that one line is taken out of the pages (nothing else changes).
provider.use(async (ctx, next) => {
  await next();
  if (typeof ctx.body === 'string' && ctx.type === 'text/html') {
    ctx.body = ctx.body.replace(/@import url\(https:[^)]*\);/g, '');
  }
});
// Errors inside the provider reach the test's output.
provider.on('server_error', (_ctx, error) => console.error('oidc-provider server_error', error));

const server = provider.listen(port, '127.0.0.1', () => console.log(`oidc-provider listening on ${issuer}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
