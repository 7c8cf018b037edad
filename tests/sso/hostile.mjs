// doks-auth's own hostile OpenID provider, for what a real one never sends. OP_CONFIG as for
// provider.mjs, plus "defect": signature (signed by a key it does not publish, under a
// published kid), audience (for another client), expired, nonce (not the one sent), issuer
// (the discovery document names another issuer), none (alg "none"), rotated (the first JWKS
// fetch answers only an older key: the signing key appears on the next), unknown-kid (the
// signing key is never published).
// "claims": ID token claims that replace the usual ones (iat, exp, email…), as JSON has them.
// "device": the answers, in order, to the device grant's polls ("ok" gives the tokens; the last
// answer repeats; "429" and "503" answer so). "deviceNumbers": the device answer's expires_in and interval as raw JSON
// text (default "600" and "1").
// "date": the Date header of every JSON answer (a provider whose clock is from another decade).
// "refresh": the answers, in order, to refresh-token requests: ok, no-id-token, 429-okta (an
// Okta-style error body), 429-slow-down (an OAuth body), 503, hang (never answers); the last
// repeats; also refused (invalid_grant) and no-id-token-rotated (a new refresh token, no ID
// token). With it, token answers carry a refresh token. "retryAfter": a Retry-After for those.
// "hangJwks": the JWKS never answers.
// "endpoints": discovery document fields to answer instead of its own, "{issuer}" in a value
// standing for the issuer (an endpoint that is plain http, or holds an escape sequence).
// Logs in at once: /authorize redirects straight back with a code. GET /test/stats answers
// {"jwks": <fetches>, "polls": <device polls>, "refreshes": <refresh requests>}.
import fs from 'node:fs';
import https from 'node:https';
import { SignJWT, exportJWK, generateKeyPair, base64url } from 'jose';

const cfg = JSON.parse(process.env.OP_CONFIG);
const published = await generateKeyPair('RS256');
const other = await generateKeyPair('RS256');
const jwk = { ...(await exportJWK(published.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
const older = { ...(await exportJWK(other.publicKey)), kid: 'k0', alg: 'RS256', use: 'sig' };
let nonce = '';
let jwksFetches = 0;
let polls = 0;
let refreshes = 0;
const formOf = (req) => new Promise((resolve) => {
  let text = '';
  req.on('data', (chunk) => { text += chunk; });
  req.on('end', () => resolve(new URLSearchParams(text)));
});

const server = https.createServer({ cert: fs.readFileSync(cfg.cert), key: fs.readFileSync(cfg.key) });
server.listen(0, '127.0.0.1', () => {
  const issuer = `https://127.0.0.1:${server.address().port}`;
  server.on('request', async (req, res) => {
    const url = new URL(req.url, issuer);
    const json = (body) => {
      res.writeHead(200, { 'content-type': 'application/json', ...(cfg.date ? { date: cfg.date } : {}) });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json({
        issuer: cfg.defect === 'issuer' ? `${issuer}/impostor` : issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        ...(cfg.device ? { device_authorization_endpoint: `${issuer}/device` } : {}),
        ...Object.fromEntries(Object.entries(cfg.endpoints ?? {})
          .map(([name, value]) => [name, value.replaceAll('{issuer}', issuer)])),
      });
    }
    if (url.pathname === '/test/stats') return json({ jwks: jwksFetches, polls, refreshes });
    const form = req.method === 'POST' ? await formOf(req) : new URLSearchParams();
    if (url.pathname === '/token' && form.get('grant_type') === 'refresh_token' && cfg.refresh) {
      const answer = cfg.refresh[Math.min(refreshes, cfg.refresh.length - 1)];
      refreshes += 1;
      const busy = (status, body) => {
        res.writeHead(status, {
          'content-type': 'application/json',
          ...(cfg.retryAfter ? { 'retry-after': cfg.retryAfter } : {}),
        });
        return res.end(JSON.stringify(body));
      };
      if (answer === 'hang') return undefined;
      if (answer === 'refused') {
        res.writeHead(400, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: 'invalid_grant' }));
      }
      if (answer === 'no-id-token-rotated') {
        return json({ access_token: 'at', token_type: 'Bearer', expires_in: 3600, refresh_token: 'hostile-refresh-rotated' });
      }
      if (answer === 'no-id-token') {
        return json({ access_token: 'at', token_type: 'Bearer', expires_in: 3600, refresh_token: 'hostile-refresh' });
      }
      if (answer === '429-okta') {
        return busy(429, { errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit due to too many requests.' });
      }
      if (answer === '429-slow-down') return busy(429, { error: 'slow_down' });
      if (answer === '503') return busy(503, { error: 'temporarily_unavailable' });
    }
    if (url.pathname === '/device' && cfg.device) {
      // The numbers as raw JSON text, for values a JavaScript number cannot hold exactly.
      const numbers = { expires_in: '600', interval: '1', ...(cfg.deviceNumbers ?? {}) };
      const text = JSON.stringify({
        device_code: 'hostile-device-code', user_code: 'WDJB-MJHT',
        verification_uri: `${issuer}/activate`,
      });
      const members = Object.entries(numbers).map(([k, v]) => `,${JSON.stringify(k)}:${v}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(`${text.slice(0, -1)}${members.join('')}}`);
    }
    if (url.pathname === '/token' && cfg.device) {
      const answer = cfg.device[Math.min(polls, cfg.device.length - 1)];
      polls += 1;
      if (answer !== 'ok') {
        // "429" and "503": a busy provider, with an Okta-style body.
        res.writeHead(Number(answer) || 400, { 'content-type': 'application/json' });
        return res.end(JSON.stringify(Number(answer) ? { errorCode: 'E0000047' } : { error: answer }));
      }
    }
    if (url.pathname === '/jwks' && cfg.hangJwks) return undefined;
    if (url.pathname === '/jwks') {
      jwksFetches += 1;
      const stale = cfg.defect === 'unknown-kid' || (cfg.defect === 'rotated' && jwksFetches === 1);
      return json({ keys: [stale ? older : jwk] });
    }
    if (url.pathname === '/authorize') {
      nonce = url.searchParams.get('nonce');
      const back = new URL(url.searchParams.get('redirect_uri'));
      back.searchParams.set('code', 'hostile-code');
      back.searchParams.set('state', url.searchParams.get('state'));
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (url.pathname === '/token') {
      const now = Math.floor(Date.now() / 1000);
      const claims = {
        sub: 'mallory',
        email: 'mallory@example.com',
        nonce: cfg.defect === 'nonce' ? 'another-nonce' : nonce,
        iat: cfg.defect === 'expired' ? now - 7200 : now,
        exp: cfg.defect === 'expired' ? now - 3600 : now + 3600,
        ...(cfg.claims ?? {}),
      };
      let idToken;
      if (cfg.defect === 'none') {
        const head = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
        const body = base64url.encode(JSON.stringify({ ...claims, iss: issuer, aud: 'doks-test' }));
        idToken = `${head}.${body}.`;
      } else {
        idToken = await new SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
          .setIssuer(issuer)
          .setAudience(cfg.defect === 'audience' ? 'another-client' : 'doks-test')
          .sign(cfg.defect === 'signature' ? other.privateKey : published.privateKey);
      }
      return json({
        id_token: idToken, access_token: 'at', token_type: 'Bearer', expires_in: 3600,
        ...(cfg.refresh ? { refresh_token: 'hostile-refresh' } : {}),
      });
    }
    res.writeHead(404);
    res.end();
  });
  console.log(`issuer ${issuer}`);
});
