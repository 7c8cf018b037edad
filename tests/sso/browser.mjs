// A stand-in for a person at a browser, for doks-auth's SSO tests: opens the URL it is given,
// follows redirects, keeps cookies, fills in every form it meets (any login and password, the
// Continue button on consent), until it reaches doks-auth's loopback callback. Then stops.
//   BOT_LOG     a file that gets one line each time the browser starts
//   BOT_MODE    "login" (default); "deny": cancels at the login page; "forge": first sends
//               the callback a forged answer with another state, then logs in; "idle": first
//               opens five connections to the callback's port that send nothing (as a browser's
//               preconnects do), then logs in; "stop": logs in but stops at the callback
//               address, as a browser on another machine would, and writes it to BOT_CALLBACK
// Trusts the tests' CA through NODE_EXTRA_CA_CERTS. Writes nothing to stdout.
import fs from 'node:fs';
import net from 'node:net';

const log = (...args) => console.error('browser:', ...args);
const mode = process.env.BOT_MODE ?? 'login';
if (process.env.BOT_LOG) fs.appendFileSync(process.env.BOT_LOG, 'started\n');
const cookies = new Map();

function attrs(tag) {
  const out = {};
  for (const m of tag.matchAll(/([a-zA-Z_:-]+)="([^"]*)"/g)) out[m[1].toLowerCase()] = m[2].replaceAll('&amp;', '&').replaceAll('&#x2F;', '/');
  return out;
}

async function go(url, init = {}) {
  const target = new URL(url);
  // A browser falls back to IPv4 for localhost; the loopback server listens on 127.0.0.1.
  if (target.hostname === 'localhost') target.hostname = '127.0.0.1';
  const headers = { ...(init.headers ?? {}) };
  if (cookies.size) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await fetch(target, { ...init, headers, redirect: 'manual' });
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    cookies.set(pair.slice(0, i), pair.slice(i + 1));
  }
  return res;
}

// Five connected sockets to the port of `url` that never send a byte, once the server has had
// a moment to take them.
async function idleConnections(url) {
  const port = Number(new URL(url).port);
  const sockets = await Promise.all([...Array(5)].map(() => new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', () => resolve(socket));
  })));
  await new Promise((resolve) => setTimeout(resolve, 200));
  log('opened', sockets.length, 'idle connections');
  return sockets;
}

async function run(start) {
  let url = start;
  let res = await go(url);
  for (let step = 0; step < 30; step += 1) {
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location'), url).toString();
      const isCallback = new URL(url).pathname === '/callback';
      if (isCallback && mode === 'stop') {
        fs.writeFileSync(process.env.BOT_CALLBACK, url);
        log('stopped at the callback address');
        return;
      }
      if (isCallback && mode === 'forge') {
        const forged = new URL(url);
        forged.searchParams.set('state', 'forged-state');
        forged.searchParams.set('code', 'forged-code');
        const answer = await go(forged.toString());
        log('forged callback answered', answer.status);
      }
      const idle = isCallback && mode === 'idle' ? await idleConnections(url) : [];
      res = await go(url);
      if (isCallback) {
        log('callback answered', res.status);
        for (const socket of idle) socket.destroy();
        return;
      }
      continue;
    }
    const html = await res.text();
    if (mode === 'deny') {
      const cancel = html.match(/href="([^"]*\/abort)"/);
      if (cancel) {
        res = await go(new URL(cancel[1].replaceAll('&#x2F;', '/'), url).toString());
        continue;
      }
    }
    const form = html.match(/<form[^>]*>[\s\S]*?<\/form>/);
    if (!form) {
      log('no form and no redirect at', new URL(url).pathname, res.status);
      return;
    }
    const f = attrs(form[0].match(/<form[^>]*>/)[0]);
    const body = new URLSearchParams();
    for (const m of form[0].matchAll(/<input[^>]*>/g)) {
      const a = attrs(m[0]);
      if (!a.name) continue;
      if (a.type === 'password') body.set(a.name, 'password');
      else if (a.type === 'text' || a.type === 'email') body.set(a.name, a.value || 'alice');
      else body.set(a.name, a.value ?? '');
    }
    const button = form[0].match(/<button[^>]*name="[^"]*"[^>]*>/);
    if (button) {
      const a = attrs(button[0]);
      body.set(a.name, a.value ?? '');
    }
    url = new URL(f.action || url, url).toString();
    res = await go(url, {
      method: (f.method || 'get').toUpperCase(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
  }
  log('gave up after 30 steps');
}

run(process.argv[process.argv.length - 1]).catch((err) => {
  log('failed:', err.message);
  process.exitCode = 1;
});
