// PACT API clients an enterprise makes for its partners (docs/pact.md,
// docs/permissions.md): enterprise A creates a client for its partner B
// (the secret shown once); that client's token, on the PACT listener, sees
// only A's footprints disclosed to B (and A's public ones) -- not B's own,
// not what enterprise D disclosed to B, not A's private ones or those for D;
// the token is refused on the main API; another enterprise cannot list or
// revoke it (404); after A revokes it the token and the secret stop working.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';
import { startServer, req, login, uniq, TANJI, SRC, PG } from './lib.mjs';

const dir = mkdtempSync(join(tmpdir(), 'tanji-pactclients-'));
const cert = join(dir, 'cert.pem'), key = join(dir, 'key.pem');
let srv, pact, ca, s;
const names = {};

function hreq(method, url, { headers = {}, body, token } = {}) {
  const u = new URL(url);
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const r = https.request(u, { method, headers: h, ca }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        if ((res.headers['content-type'] || '').includes('json') && text) json = JSON.parse(text);
        resolve({ status: res.statusCode, text, body: json });
      });
    });
    r.on('error', reject);
    r.setTimeout(5000, () => r.destroy(new Error('timeout')));
    if (body !== undefined) r.write(body);
    r.end();
  });
}
const token = (id, secret) => hreq('POST', pact + '/auth/token', {
  headers: { authorization: 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64'), 'content-type': 'application/x-www-form-urlencoded' },
  body: 'grant_type=client_credentials',
});
const products = (r) => r.body.data.map((x) => x.productNameCompany).filter((n) => Object.values(names).includes(n)).sort();

// a saved footprint of user `as` with a unique product name, its PACT attributes, disclosed
function footprint(as, tag, scope, partners) {
  const m = JSON.parse(readFileSync(join(SRC, 'examples/electrolytic-aluminium.json'), 'utf8'));
  names[tag] = uniq('Aluminium ' + tag);
  m.product.name = { zh: names[tag], en: names[tag] };
  const f = join(dir, uniq('m') + '.json');
  writeFileSync(f, JSON.stringify(m));
  const run = (...args) => execFileSync(TANJI, [...args, '--db', srv.db, '--as', as], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const id = JSON.parse(run('calc', f, '--save', '--format', 'json')).footprint_id;
  run('pact', 'attributes', id, '--json', JSON.stringify({ fossilCarbonContent: '0' }));
  run('disclose', 'publish', id, '--scope', scope, ...(partners ? ['--partners', partners] : []));
  return id;
}

before(async () => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'pipe' });
  ca = readFileSync(cert);
  // request_timeout: the CLI calculations below may outlast the server's idle keep-alive limit
  srv = await startServer({ set: { request_timeout: 600, pact_listen: '127.0.0.1:0', pact_tls_cert: cert, pact_tls_key: key } });
  for (let i = 0; i < 50 && !pact; i++) {
    pact = /PACT API listening on (https:\/\/[^ \n]+)/.exec(srv.stderr)?.[1];
    if (!pact) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(pact, 'the PACT listener started');
  s = { op: await login(srv, srv.admin, srv.password), orgs: {}, users: {} };
  for (const k of ['A', 'B', 'D', 'X']) {
    const name = uniq('org' + k);
    const r = await req(srv, 'POST', '/organisations', { token: s.op, json: { name, kind: 'enterprise', region: '530000' } });
    assert.equal(r.status, 201, r.text);
    s.orgs[k] = { name, id: r.body.id };
  }
  // users with passwords cost an Argon2id hash each: alice (A) and dave (D) log in; bob (B) only calculates
  for (const [u, o, pw] of [['alice', 'A', true], ['dave', 'D', true], ['bob', 'B', false]]) {
    const name = uniq(u);
    if (pw) {
      const r = await req(srv, 'POST', '/users', { token: s.op, json: { name, org: s.orgs[o].name, roles: 'enterprise', password: 'user-password-123' } });
      assert.equal(r.status, 201, r.text);
      s.users[u] = { name, token: await login(srv, name, 'user-password-123') };
    } else {
      execFileSync(TANJI, ['admin', 'user', 'add', name, '--org', s.orgs[o].name, '--roles', 'enterprise', '--db', srv.db], { stdio: 'pipe' });
      s.users[u] = { name };
    }
  }
  const { A, B, D } = s.orgs;
  footprint(s.users.alice.name, 'A-for-B', 'partners', B.id);
  footprint(s.users.alice.name, 'A-public', 'public');
  footprint(s.users.alice.name, 'A-private', 'private');
  footprint(s.users.alice.name, 'A-for-D', 'partners', D.id);
  footprint(s.users.dave.name, 'D-for-B', 'partners', B.id);
  footprint(s.users.bob.name, 'B-own', 'partners', A.id);
});

after(async () => {
  if (srv) await srv.stop();
  rmSync(dir, { recursive: true, force: true });
});

let client, tok;

test('an enterprise creates a PACT client for its partner; the secret is shown once; only partners', async () => {
  const alice = s.users.alice.token;
  const r = await req(srv, 'POST', '/pact/clients', { token: alice, json: { name: 'B purchasing system', partner: s.orgs.B.name } });
  assert.equal(r.status, 201, r.text);
  client = r.body;
  assert.match(client.client_secret, /^tjc_/);
  assert.equal(client.partner.id, s.orgs.B.id);
  assert.equal(client.status, 'active');
  const l = await req(srv, 'GET', '/pact/clients', { token: alice });
  assert.equal(l.status, 200);
  const mine = l.body.items.find((c) => c.id === client.id);
  assert.equal(mine.name, 'B purchasing system');
  assert.equal(mine.partner.name, s.orgs.B.name);
  assert.ok(!('client_secret' in mine) && !l.text.includes(client.client_secret), 'the secret is not listed');
  // not a partner (nothing disclosed to it), unknown, or its own organisation: the same refusal
  for (const partner of [s.orgs.X.name, uniq('no-such-org'), s.orgs.A.name]) {
    const bad = await req(srv, 'POST', '/pact/clients', { token: alice, json: { name: 'x', partner } });
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.body.field, 'partner');
  }
  // the operator is no enterprise: it makes clients with POST /clients
  assert.equal((await req(srv, 'POST', '/pact/clients', { token: s.op, json: { name: 'x', partner: s.orgs.B.name } })).status, 403);
  assert.equal((await req(srv, 'POST', '/pact/clients', { json: { name: 'x', partner: s.orgs.B.name } })).status, 401);
});

test("the partner's token sees only what the enterprise disclosed to it, on the PACT listener only", async () => {
  const t = await token(client.id, client.client_secret);
  assert.equal(t.status, 200, t.text);
  tok = t.body.access_token;
  const l = await hreq('GET', pact + '/3/footprints', { token: tok });
  assert.equal(l.status, 200, l.text);
  assert.deepEqual(products(l), [names['A-for-B'], names['A-public']].sort());
  // an ordinary client of B (made by the operator) sees more: B's own, D's disclosure to B
  const c = await req(srv, 'POST', '/clients', { token: s.op, json: { name: uniq('b-client'), org: s.orgs.B.name, roles: 'enterprise' } });
  assert.equal(c.status, 201, c.text);
  const tb = (await token(c.body.client_id, c.body.client_secret)).body.access_token;
  const all = await hreq('GET', pact + '/3/footprints', { token: tb });
  assert.deepEqual(products(all), [names['A-for-B'], names['A-public'], names['B-own'], names['D-for-B']].sort());
  // GetFootprint of D's footprint for B: NotFound for A's client, found for B's own client
  const dForB = all.body.data.find((x) => x.productNameCompany === names['D-for-B']);
  assert.equal((await hreq('GET', pact + '/3/footprints/' + dForB.id, { token: tb })).status, 200);
  const g = await hreq('GET', pact + '/3/footprints/' + dForB.id, { token: tok });
  assert.equal(g.status, 404, g.text);
  const aForB = l.body.data.find((x) => x.productNameCompany === names['A-for-B']);
  assert.equal((await hreq('GET', pact + '/3/footprints/' + aForB.id, { token: tok })).status, 200);
  assert.equal((await hreq('GET', pact + '/2/footprints', { token: tok })).body.data.filter((x) => Object.values(names).includes(x.productNameCompany)).length, 2);
  // the main API does not take it (it would act for B)
  assert.equal((await req(srv, 'GET', '/auth/me', { token: tok })).status, 401);
  assert.equal((await req(srv, 'GET', '/footprints', { token: tok })).status, 401);
});

test('another enterprise cannot list or revoke it (404); the enterprise revokes it', async () => {
  const dave = s.users.dave.token;
  const l = await req(srv, 'GET', '/pact/clients', { token: dave });
  assert.equal(l.status, 200);
  assert.ok(!l.body.items.some((c) => c.id === client.id), 'not in another enterprise\'s list');
  const r = await req(srv, 'POST', `/pact/clients/${client.id}/revoke`, { token: dave });
  assert.equal(r.status, 404, r.text);
  const missing = await req(srv, 'POST', `/pact/clients/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}/revoke`, { token: dave });
  assert.equal(missing.status, 404);
  assert.equal(r.body.message, missing.body.message.replace(/0{8}-0000-4000-8000-0{12}/, client.id), 'the same answer as a missing id');
  assert.equal((await hreq('GET', pact + '/3/footprints', { token: tok })).status, 200, 'still valid');
  // the operator lists every sponsor's
  const op = await req(srv, 'GET', '/pact/clients', { token: s.op });
  assert.equal(op.body.items.find((c) => c.id === client.id)?.sponsor, s.orgs.A.id);
  const ok = await req(srv, 'POST', `/pact/clients/${client.id}/revoke`, { token: s.users.alice.token });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.status, 'revoked');
  assert.ok(ok.body.revoked_at);
  assert.equal((await hreq('GET', pact + '/3/footprints', { token: tok })).status, 401, 'its token is revoked');
  assert.ok([400, 401].includes((await token(client.id, client.client_secret)).status), 'its secret no longer works');
  const after = await req(srv, 'GET', '/pact/clients', { token: s.users.alice.token });
  assert.equal(after.body.items.find((c) => c.id === client.id).status, 'revoked');
  // the ledger records the client and its revocation: the enterprise reads those entries, another does not
  const q = `/ledger/entries?object_type=pact_client&object_id=${client.id}`;
  const le = await req(srv, 'GET', q, { token: s.users.alice.token });
  assert.equal(le.status, 200, le.text);
  assert.deepEqual(le.body.entries.map((e) => e.kind), ['pact_client.create', 'pact_client.revoke']);
  assert.equal((await req(srv, 'GET', q, { token: dave })).status, 404);
  // and agrees with the database
  // (SQLite only: a shared PostgreSQL database holds other runs' heads)
  if (!PG) execFileSync(TANJI, ['ledger', 'verify', '--db', srv.db, '--key', srv.key], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
});
