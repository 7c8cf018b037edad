// A real OpenID provider for doks-auth's SSO tests: panva's oidc-provider (OpenID Certified),
// over HTTPS on 127.0.0.1 with the tests' private CA. Configured by OP_CONFIG (JSON):
//   cert, key        PEM files of the server certificate and key
//   redirectUris     the loopback redirect URIs the client is registered with
//   idTokenTtl       ID token lifetime in seconds (default 3600)
//   refresh          whether the client may use refresh tokens (default true)
//   deviceFlow       whether the device grant is on (default true)
//   rotateRefresh    whether a refresh token is replaced at each use (default true)
// Prints "issuer <url>" on stdout once it listens. GET /test/stats answers the number of token
// requests by grant type and status.
import fs from 'node:fs';
import https from 'node:https';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const cfg = JSON.parse(process.env.OP_CONFIG);
const refresh = cfg.refresh ?? true;
const grants = ['authorization_code', 'urn:ietf:params:oauth:grant-type:device_code'];
if (refresh) grants.push('refresh_token');

function signingKey(kid) {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
}

const stats = {};
const server = https.createServer({
  cert: fs.readFileSync(cfg.cert),
  key: fs.readFileSync(cfg.key),
});
server.listen(0, '127.0.0.1', () => {
  const issuer = `https://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: 'doks-test',
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      redirect_uris: cfg.redirectUris,
      grant_types: grants,
      response_types: ['code'],
    }],
    scopes: ['openid', 'email', 'team_role', 'offline_access'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], team_role: ['team_role'] },
    conformIdTokenClaims: false,
    findAccount: (ctx, id) => ({
      accountId: id,
      claims: () => ({ sub: id, email: `${id}@example.com`, email_verified: true, team_role: 'owner' }),
    }),
    features: {
      devInteractions: { enabled: true },
      deviceFlow: { enabled: cfg.deviceFlow ?? true },
      revocation: { enabled: true },
    },
    pkce: { required: () => true },
    ttl: {
      IdToken: cfg.idTokenTtl ?? 3600,
      AccessToken: cfg.idTokenTtl ?? 3600,
      RefreshToken: 86400,
      DeviceCode: 600,
      Interaction: 600,
      Session: 86400,
      Grant: 86400,
    },
    rotateRefreshToken: cfg.rotateRefresh ?? true,
    jwks: { keys: [signingKey('k1')] },
    cookies: { keys: ['doks-auth-test-cookie-key'] },
  });
  provider.proxy = false;
  provider.use(async (ctx, next) => {
    if (ctx.path === '/test/stats') {
      ctx.body = stats;
      return;
    }
    if (ctx.path === '/token' && ctx.method === 'POST') {
      await next();
      const grant = ctx.oidc?.params?.grant_type ?? 'unknown';
      const key = `${grant} ${ctx.status}`;
      stats[key] = (stats[key] ?? 0) + 1;
      return;
    }
    await next();
  });
  server.on('request', provider.callback());
  console.log(`issuer ${issuer}`);
});
