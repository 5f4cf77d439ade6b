// PACT exchange (docs/pact.md): a real `tanji serve` with its HTTPS-only PACT
// listener, checked case by case against the WBCSD PACT conformance tool's
// mandatory v3 cases (research-2026-12.md section 2), plus malformed events,
// unknown footprints, a client that was disclosed nothing, deprecation of a
// replaced footprint, the answer to a request POSTed (with a retry) to the
// requester's events endpoint, and one tanji pulling another's footprints.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';
import http from 'node:http';
import { randomUUID, randomBytes } from 'node:crypto';
import { startServer, req, login, uniq, TANJI, SRC, PG } from './lib.mjs';

const dir = mkdtempSync(join(tmpdir(), 'tanji-pact-'));
const cert = join(dir, 'cert.pem'), key = join(dir, 'key.pem');
let srv, srv2, s2, s, pact, ca, mock, clientB, clientC, fps = {};
// with PostgreSQL the secrets key file has no default place (docs/pact.md)
if (PG) process.env.TANJI_SECRETS_KEY = join(dir, 'secrets.key');

// an HTTPS request trusting the throw-away certificate
function hreq(method, url, { headers = {}, body, token } = {}) {
  const u = new URL(url);
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const r = (u.protocol === 'https:' ? https : http).request(u, { method, headers: h, ca }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        if ((res.headers['content-type'] || '').includes('application/json') && text) json = JSON.parse(text);
        resolve({ status: res.statusCode, headers: res.headers, text, body: json });
      });
    });
    r.on('error', reject);
    r.setTimeout(5000, () => r.destroy(new Error('timeout')));
    if (body !== undefined) r.write(body);
    r.end();
  });
}

const basic = (id, secret) => 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64');
async function token(id, secret, base = pact) {
  const r = await hreq('POST', base + '/auth/token', {
    headers: { authorization: basic(id, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  return r;
}
const get = (path, tok, base = pact) => hreq('GET', base + path, { token: tok });
const event = (ev, tok, base = pact) => hreq('POST', base + '/3/events', {
  token: tok, headers: { 'content-type': 'application/cloudevents+json; charset=UTF-8' }, body: JSON.stringify(ev),
});

// A footprint of user `as`, saved from a variant of the aluminium example.
function footprint(db, as, name, geography, replaces) {
  const m = JSON.parse(readFileSync(join(SRC, 'examples/electrolytic-aluminium.json'), 'utf8'));
  m.product.name = { zh: name, en: name };
  m.product.geography = geography;
  const f = join(dir, uniq('m') + '.json');
  writeFileSync(f, JSON.stringify(m));
  const args = ['calc', f, '--db', db, '--save', '--as', as, '--format', 'json'];
  if (replaces) args.push('--replaces', replaces);
  return JSON.parse(execFileSync(TANJI, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).footprint_id;
}
const cli = (db, as, ...args) => execFileSync(TANJI, [...args, '--db', db, '--as', as], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

// The requester's events endpoint (what the conformance tool runs): a token
// endpoint for test_client_id/test_client_secret and /3/events; its first
// event is refused with 503 so the host has to retry.
function startMock() {
  const m = { events: [], refused: 0, tokens: new Set() };
  m.server = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (rq, rs) => {
    let b = '';
    rq.on('data', (c) => (b += c));
    rq.on('end', () => {
      if (rq.url === '/auth/token' && rq.method === 'POST') {
        if (rq.headers.authorization !== basic('test_client_id', 'test_client_secret')) { rs.writeHead(401); rs.end(); return; }
        const t = randomBytes(8).toString('hex');
        m.tokens.add(t);
        rs.writeHead(200, { 'content-type': 'application/json' });
        rs.end(JSON.stringify({ access_token: t, token_type: 'Bearer' }));
      } else if (rq.url === '/3/events' && rq.method === 'POST') {
        const t = (rq.headers.authorization || '').replace(/^Bearer /, '');
        if (!m.tokens.has(t)) { rs.writeHead(401); rs.end(); return; }
        if (m.refused++ === 0) { rs.writeHead(503); rs.end(); return; }
        m.events.push({ contentType: rq.headers['content-type'], body: JSON.parse(b) });
        rs.writeHead(200); rs.end();
      } else { rs.writeHead(404); rs.end(); }
    });
  });
  return new Promise((res) => m.server.listen(0, '127.0.0.1', () => { m.base = `https://127.0.0.1:${m.server.address().port}`; res(m); }));
}

async function waitFor(fn, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function pactUrl(server) {
  const m = await waitFor(() => /PACT API listening on (https:\/\/[^ \n]+)/.exec(server.stderr), 5000);
  return m[1];
}

function checkFootprint(pf) {
  // the v3 required fields, decimals as strings, URNs, UTC times
  for (const k of ['id', 'specVersion', 'created', 'status', 'companyName', 'companyIds', 'productDescription', 'productIds', 'productNameCompany', 'pcf'])
    assert.ok(pf[k] !== undefined, `ProductFootprint.${k}`);
  assert.match(pf.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.match(pf.specVersion, /^\d+\.\d+\.\d+$/);
  for (const t of [pf.created, pf.validityPeriodStart, pf.validityPeriodEnd, pf.pcf.referencePeriodStart, pf.pcf.referencePeriodEnd])
    assert.match(t, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  for (const u of [...pf.companyIds, ...pf.productIds]) assert.match(u, /^urn:/i);
  const dec = /^[+-]?\d+(\.\d+)?$/;
  for (const k of ['declaredUnitAmount', 'productMassPerDeclaredUnit', 'pcfExcludingBiogenicUptake', 'pcfIncludingBiogenicUptake',
    'fossilCarbonContent', 'fossilGhgEmissions', 'exemptedEmissionsPercent', 'primaryDataShare'])
    assert.match(pf.pcf[k], dec, `pcf.${k}`);
  for (const k of ['technologicalDQR', 'geographicalDQR', 'temporalDQR']) if (pf.pcf.dqi) assert.match(pf.pcf.dqi[k], dec);
  assert.ok(['Active', 'Deprecated'].includes(pf.status));
  assert.deepEqual(pf.pcf.ipccCharacterizationFactors, ['AR6']);
  assert.ok(pf.pcf.crossSectoralStandards.length >= 1);
  assert.equal(pf.pcf.declaredUnitOfMeasurement, 'kilogram');
}

before(async () => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'pipe' });
  ca = readFileSync(cert);
  const set = { request_timeout: 600, pact_listen: '127.0.0.1:0', pact_tls_cert: cert, pact_tls_key: key, pact_ca_file: cert };
  srv = await startServer({ set });
  pact = await pactUrl(srv);
  // few accounts: every password and client secret costs an Argon2id hash
  s = { op: await login(srv, srv.admin, srv.password), orgs: {}, users: {} };
  for (const k of ['A', 'B', 'S']) {
    const name = uniq('org' + k);
    const r = await req(srv, 'POST', '/organisations', { token: s.op, json: { name, kind: 'enterprise', region: '530000' } });
    assert.equal(r.status, 201, r.text);
    s.orgs[k] = { name, id: r.body.id };
  }
  s.users.alice = { name: uniq('alice') };
  execFileSync(TANJI, ['admin', 'user', 'add', s.users.alice.name, '--org', s.orgs.A.name, '--roles', 'enterprise', '--db', srv.db], { stdio: 'pipe' });
  mock = await startMock();
  const mk = async (org) => {
    const r = await req(srv, 'POST', '/clients', { token: s.op, json: { name: uniq('pactclient'), org: s.orgs[org].name, roles: 'enterprise' } });
    assert.equal(r.status, 201, r.text);
    return r.body;
  };
  clientB = await mk('B');
  clientC = await mk('S');
  // footprints of A: F1 (for B), F2 (public), F3 (private), F4 (for S); F1b replaces F1
  const a = s.users.alice.name, db = srv.db;
  fps.F1 = footprint(db, a, uniq('Aluminium ingot'), 'CN-YN');
  fps.F2 = footprint(db, a, uniq('Aluminium billet'), 'CN');
  fps.F3 = footprint(db, a, uniq('Aluminium secret'), 'CN-YN');
  fps.F4 = footprint(db, a, uniq('Aluminium for S'), 'CN-GZ');
  fps.productIngot = 'urn:pact:tanji-test:ingot-' + randomBytes(4).toString('hex');
  // (ids unique per run: on PostgreSQL other runs' public footprints may be there too)
  fps.company = 'urn:pact:tanji-test:company-' + randomBytes(4).toString('hex');
  const attrs = (pid, cls) => JSON.stringify({ productIds: [pid], productClassifications: [cls], fossilCarbonContent: '0', companyIds: [fps.company, fps.company + '-2'] });
  cli(db, a, 'pact', 'attributes', fps.F1, '--json', attrs(fps.productIngot, 'urn:pact:productclassification:un-cpc:4152'));
  cli(db, a, 'pact', 'attributes', fps.F2, '--json', attrs('urn:pact:tanji-test:billet-' + randomBytes(4).toString('hex'), 'urn:pact:productclassification:un-cpc:4153'));
  cli(db, a, 'pact', 'attributes', fps.F3, '--json', attrs('urn:pact:tanji-test:secret-' + randomBytes(4).toString('hex'), 'urn:pact:productclassification:un-cpc:4152'));
  cli(db, a, 'pact', 'attributes', fps.F4, '--json', attrs('urn:pact:tanji-test:for-s-' + randomBytes(4).toString('hex'), 'urn:pact:productclassification:un-cpc:4152'));
  cli(db, a, 'disclose', 'publish', fps.F1, '--scope', 'partners', '--partners', s.orgs.B.id);
  cli(db, a, 'disclose', 'publish', fps.F2, '--scope', 'public');
  cli(db, a, 'disclose', 'publish', fps.F3, '--scope', 'private');
  cli(db, a, 'disclose', 'publish', fps.F4, '--scope', 'partners', '--partners', s.orgs.S.id);
  // B registers its events endpoint (the conformance tool's credentials)
  const r = await req(srv, 'PUT', `/pact/partners/${s.orgs.B.id}`, { token: s.op, json: { url: mock.base, client_id: 'test_client_id', client_secret: 'test_client_secret' } });
  assert.equal(r.status, 200, r.text);
});

after(async () => {
  if (mock) mock.server.close();
  if (srv) await srv.stop();
  if (srv2) await srv2.stop();
  rmSync(dir, { recursive: true, force: true });
});

let tokB, tokC, list0, first;

test('cases 1, 2, 18, 19: tokens; OpenID discovery', async () => {
  const ok = await token(clientB.client_id, clientB.client_secret);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.token_type, 'Bearer');
  tokB = ok.body.access_token;
  tokC = (await token(clientC.client_id, clientC.client_secret)).body.access_token;
  const bad = await token(randomBytes(8).toString('hex'), randomBytes(8).toString('hex'));
  assert.ok([400, 401].includes(bad.status), bad.text);
  const d = await get('/.well-known/openid-configuration');
  assert.equal(d.status, 200);
  assert.equal(new URL(d.body.token_endpoint).pathname, '/auth/token');
  // the form-body variant of client credentials
  const f = await hreq('POST', pact + '/auth/token', { headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=client_credentials&client_id=${clientB.client_id}&client_secret=${encodeURIComponent(clientB.client_secret)}` });
  assert.equal(f.status, 200, f.text);
});

test('cases 3, 4, 5: list, get, pagination; only what was disclosed to B or the public', async () => {
  const l = await get('/3/footprints', tokB);
  assert.equal(l.status, 200, l.text);
  assert.match(l.headers['content-type'], /application\/json/);
  list0 = l.body.data.filter((x) => x.companyIds.includes(fps.company));
  // F1 (partners: B) and F2 (public); not F3 (private) nor F4 (for S)
  assert.equal(list0.length, 2, l.text);
  fps.total = l.body.data.length;
  for (const pf of list0) checkFootprint(pf);
  first = list0[0];
  const g = await get(`/3/footprints/${first.id}`, tokB);
  assert.equal(g.status, 200);
  assert.equal(g.body.data.id, first.id);
  assert.deepEqual(g.body.data, first);
  const p = await get(`/3/footprints?limit=1&companyId=${fps.company}`, tokB);
  assert.equal(p.body.data.length, 1);
  const m = /^<(https:\/\/[^>]+)>; rel="next"$/.exec(p.headers.link);
  assert.ok(m, 'Link header: ' + p.headers.link);
  assert.equal(new URL(m[1]).host, new URL(pact).host);
  const n = await get(new URL(m[1]).pathname + new URL(m[1]).search, tokB);
  assert.equal(n.status, 200);
  assert.equal(n.body.data.length, 1);
  assert.notEqual(n.body.data[0].id, p.body.data[0].id);
  assert.equal(n.headers.link, undefined);
  // the public one is seen by C too, B's is not
  const c = await get('/3/footprints', tokC);
  assert.ok(!c.body.data.some((x) => x.productIds.includes(fps.productIngot)));
});

test('cases 1, 4, 5 as the conformance tool sends them: its token request, the count again, the Link of ?limit=1', async () => {
  // the tool's token request: Host without the port, Accept, and the optional scope/audience/resource
  const u = new URL(pact);
  const t = await hreq('POST', pact + '/auth/token', {
    headers: { host: u.hostname, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', authorization: basic(clientB.client_id, clientB.client_secret) },
    body: 'grant_type=client_credentials&scope=footprints&audience=' + encodeURIComponent(pact) + '&resource=' + encodeURIComponent(pact),
  });
  assert.equal(t.status, 200, t.text);
  assert.ok(t.body.access_token);
  // case 4: the list answers as many footprints as the first call did
  const first = await get('/3/footprints', tokB), again = await get('/3/footprints', t.body.access_token);
  assert.ok([200, 202].includes(again.status));
  assert.equal(again.body.data.length, first.body.data.length);
  // case 5: the first link of GET /3/footprints?limit=1, parsed as the tool does, base URL stripped
  const l = await get('/3/footprints?limit=1', tokB);
  const links = {};
  for (const part of (l.headers.link || '').split(', ')) {
    const m = part.match(/<(.*)>;\s*rel="(.*)"/);
    if (m) links[m[2]] = m[1];
  }
  const link = Object.values(links)[0];
  assert.ok(link && link.startsWith(pact), 'Link: ' + l.headers.link);
  const n = await get(link.replace(pact, ''), tokB);
  assert.equal(n.status, 200, n.text);
  assert.match(n.headers['content-type'], /application\/json/);
  assert.ok(n.body.data.length >= 1);
});

test('cases 6, 7, 16: an invalid token is refused', async () => {
  const bad = 'very-invalid-access-token-' + randomBytes(8).toString('hex');
  for (const r of [await get('/3/footprints', bad), await get(`/3/footprints/${first.id}`, bad),
    await event({ type: 'org.wbcsd.pact.ProductFootprint.PublishedEvent.3', specversion: '1.0', id: randomUUID(), source: mock.base, time: new Date().toISOString(), data: { pfIds: [randomUUID()] } }, bad)]) {
    assert.ok([400, 401].includes(r.status), r.text);
    assert.equal(r.body.code, 'BadRequest');
  }
});

test('case 8 and unknown ids: NotFound; a client that was disclosed nothing sees nothing', async () => {
  const r = await get('/3/footprints/00000000-0000-0000-0000-000000000000', tokB);
  assert.equal(r.status, 404);
  assert.match(r.headers['content-type'], /application\/json/);
  assert.equal(r.body.code, 'NotFound');
  assert.equal((await get(`/3/footprints/${randomUUID()}`, tokB)).body.code, 'NotFound');
  assert.equal((await get('/3/footprints/not-a-uuid', tokB)).status, 400);
  const ingot = list0.find((x) => x.productIds.includes(fps.productIngot));
  const c = await get(`/3/footprints/${ingot.id}`, tokC);
  assert.equal(c.status, 404);
  const cl = await get(`/3/footprints?productId=${fps.productIngot}`, tokC);
  assert.deepEqual(cl.body, { data: [] });
});

test('cases 9, 10, 11, 17: plain HTTP to the PACT listener does not succeed', async () => {
  const plain = pact.replace('https:', 'http:');
  for (const [m, p] of [['POST', '/auth/token'], ['GET', '/3/footprints'], ['GET', `/3/footprints/${first.id}`], ['POST', '/3/events']]) {
    let ok = false;
    try {
      const r = await hreq(m, plain + p, { headers: { authorization: basic(clientB.client_id, clientB.client_secret), 'content-type': 'application/x-www-form-urlencoded' }, body: m === 'POST' ? 'grant_type=client_credentials' : undefined });
      ok = r.status >= 200 && r.status < 300;
    } catch { ok = false; }
    assert.equal(ok, false, `${m} ${p} over http`);
  }
  // and the main listener does not serve the PACT routes
  // (it may answer with the web UI's page, never with footprints)
  const r = await req(srv, 'GET', srv.base + '/3/footprints', { token: tokB });
  assert.ok(r.status === 404 || !(r.headers.get('content-type') || '').includes('application/json'), r.text.slice(0, 200));
  assert.ok(!r.text.includes(first.id));
});

test('cases 20-29: filters (repeat = OR, different = AND, case-insensitive)', async () => {
  const f = first;
  const geo = f.pcf.geographyCountry || f.pcf.geographyCountrySubdivision;
  const day = (t, d) => new Date(Date.parse(t) + d * 86400000).toISOString();
  const cases = [
    [`productId=${f.productIds[0]}`, (x) => x.productIds.includes(f.productIds[0])],
    [`companyId=${f.companyIds[0]}`, (x) => x.companyIds.includes(f.companyIds[0])],
    [`geography=${geo}`, (x) => (x.pcf.geographyCountry || x.pcf.geographyCountrySubdivision) === geo],
    [`classification=${f.productClassifications[0]}`, (x) => x.productClassifications.includes(f.productClassifications[0])],
    [`validOn=${f.validityPeriodStart}`, (x) => x.validityPeriodStart <= f.validityPeriodStart && x.validityPeriodEnd >= f.validityPeriodStart],
    [`validAfter=${day(f.validityPeriodStart, -1)}`, (x) => Date.parse(x.validityPeriodStart) > Date.parse(day(f.validityPeriodStart, -1))],
    [`validBefore=${day(f.validityPeriodEnd, 1)}`, (x) => Date.parse(x.validityPeriodEnd) < Date.parse(day(f.validityPeriodEnd, 1))],
    [`status=${f.status}`, (x) => x.status === f.status],
    [`status=${f.status}&productId=${f.productIds[0]}`, (x) => x.status === f.status && x.productIds.includes(f.productIds[0])],
    [`companyId=${f.companyIds[0]}&companyId=${randomBytes(4).toString('hex')}&companyId=${randomBytes(4).toString('hex')}`, (x) => x.companyIds.includes(f.companyIds[0])],
    // case-insensitive names and values
    [`PRODUCTID=${f.productIds[0].toUpperCase()}`, (x) => x.productIds.includes(f.productIds[0])],
  ];
  for (const [q, ok] of cases) {
    const r = await get('/3/footprints?' + q, tokB);
    assert.equal(r.status, 200, q + ': ' + r.text);
    assert.ok(r.body.data.length >= 1, q);
    assert.ok(r.body.data.every(ok), q);
  }
  // OR inside a criterion returns both footprints
  const both = await get(`/3/footprints?productId=${list0[0].productIds[0]}&productId=${list0[1].productIds[0]}`, tokB);
  assert.equal(both.body.data.length, 2);
  // an offset written as a space (an unencoded '+') still parses
  const sp = await get(`/3/footprints?validOn=${f.validityPeriodStart.replace('Z', '%2000:00')}`, tokB);
  assert.equal(sp.status, 200, sp.text);
  assert.equal((await get('/3/footprints?validOn=yesterday', tokB)).body.code, 'BadRequest');
});

test('cases 30-39: bogus filter values give {"data":[]}', async () => {
  const f = first, rnd = () => randomBytes(8).toString('hex');
  for (const q of [`productId=urn:bogus:product:${rnd()}`, `companyId=urn:bogus:company:${rnd()}`, 'geography=XX',
    `classification=urn:bogus:classification:${rnd()}`, 'validOn=1900-01-01T00:00:00Z', 'validAfter=2999-01-01T00:00:00Z',
    'validBefore=1900-01-01T00:00:00Z', `status=${f.status === 'Active' ? 'Deprecated' : 'Active'}&productId=${f.productIds[0]}`,
    `productId=urn:bogus:${rnd()}&status=Active`, `companyId=urn:bogus:${rnd()}&companyId=urn:bogus:${rnd()}`]) {
    const r = await get('/3/footprints?' + q, tokB);
    assert.equal(r.status, 200, q);
    assert.equal(r.text, '{"data":[]}', q);
  }
});

test('cases 15, 40 and malformed events', async () => {
  const base = () => ({ type: 'org.wbcsd.pact.ProductFootprint.PublishedEvent.3', specversion: '1.0', id: randomUUID(), source: mock.base, time: new Date().toISOString(), data: { pfIds: [randomUUID()] } });
  const ok = await event(base(), tokB);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.text, '');
  const bads = [
    { ...base(), data: { pfIds: ['urn:gtin:4712345060507'] } },
    { ...base(), specversion: '0.3' },
    { ...base(), type: 'org.example.Unknown' },
    { ...base(), data: 'x' },
    { ...base(), time: 'now' },
    { ...base(), type: 'org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3', data: { productId: [fps.productIngot], validOn: 'soon' } },
  ];
  for (const b of bads) {
    const r = await event(b, tokB);
    assert.equal(r.status, 400, JSON.stringify(b) + ' ' + r.text);
    assert.equal(r.body.code, 'BadRequest');
  }
  const nj = await hreq('POST', pact + '/3/events', { token: tokB, headers: { 'content-type': 'application/cloudevents+json' }, body: '{"type":' });
  assert.equal(nj.status, 400);
});

test('cases 12, 13, 14: requests answered once at {source}/3/events, with a retry', async () => {
  const fulfilledId = `run-${randomBytes(4).toString('hex')}/12`, rejectedId = `run-${randomBytes(4).toString('hex')}/14.A`;
  const ev = (id, productId) => ({ specversion: '1.0', id, source: mock.base, time: new Date().toISOString(),
    type: 'org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3', data: { productId, comment: 'Please send PCF data for this year.' } });
  const r12 = await event(ev(fulfilledId, first.productIds), tokB);
  assert.equal(r12.status, 200, r12.text);
  const r14 = await event(ev(rejectedId, ['urn:pact:null']), tokB);
  assert.equal(r14.status, 200, r14.text);
  // the same request again: still one answer
  assert.equal((await event(ev(fulfilledId, first.productIds), tokB)).status, 200);
  // (slow under the sanitizers on a loaded machine: up to a minute)
  const got = await waitFor(() => mock.events.length >= 2 && mock.events, 60000).catch((e) => {
    throw new Error(`${e.message}: ${mock.events.length} events, ${mock.refused} POSTs; server: ${srv.stderr.slice(-2000)}`);
  });
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(mock.events.length, 2, JSON.stringify(mock.events.map((e) => e.body.type)));
  assert.ok(mock.refused >= 3, 'the first POST was refused and retried');
  const ful = got.find((e) => e.body.data.requestEventId === fulfilledId).body;
  assert.equal(ful.type, 'org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3');
  assert.equal(ful.specversion, '1.0');
  assert.ok(ful.id && ful.source && ful.time);
  assert.ok(ful.data.pfs.length >= 1);
  for (const pf of ful.data.pfs) {
    checkFootprint(pf);
    assert.ok(pf.productIds.some((p) => first.productIds.includes(p)));
  }
  const rej = got.find((e) => e.body.data.requestEventId === rejectedId).body;
  assert.equal(rej.type, 'org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3');
  assert.ok(rej.data.error.code && rej.data.error.message);
  assert.match(got[0].contentType, /application\/cloudevents\+json/);
  // recorded in the ledger: the requests and the answers sent
  const l = await req(srv, 'GET', `/ledger/entries?object_type=pact_event&object_id=${encodeURIComponent(s.orgs.B.id + ':' + fulfilledId)}`, { token: s.op });
  assert.equal(l.status, 200, l.text);
  assert.match(JSON.stringify(l.body), /pact\.request/);
  const answerId = /"answer_id":"([0-9a-f-]{36})"/.exec(JSON.stringify(l.body))[1];
  const l2 = await req(srv, 'GET', `/ledger/entries?object_type=pact_answer&object_id=${answerId}`, { token: s.op });
  assert.match(JSON.stringify(l2.body), /pact\.answer\.sent/);
  // a requester without a registered endpoint cannot get an answer: 4xx now
  const rc = await event(ev('x/1', first.productIds), tokC);
  assert.equal(rc.status, 400, rc.text);
});

test('a replaced footprint is a new PACT id; the old one Deprecated and named in precedingPfIds', async () => {
  const a = s.users.alice.name, db = srv.db;
  const old = list0.find((x) => x.productIds.includes(fps.productIngot));
  const f1b = footprint(db, a, 'replacement ' + uniq('x'), 'CN-YN', fps.F1);
  cli(db, a, 'pact', 'attributes', f1b, '--json', JSON.stringify({ productIds: [fps.productIngot], fossilCarbonContent: '0' }));
  cli(db, a, 'disclose', 'publish', f1b, '--scope', 'partners', '--partners', s.orgs.B.id);
  const r = await get(`/3/footprints?productId=${fps.productIngot}`, tokB);
  assert.equal(r.body.data.length, 2);
  const dep = r.body.data.find((x) => x.id === old.id), neu = r.body.data.find((x) => x.id !== old.id);
  assert.equal(dep.status, 'Deprecated');
  assert.equal(neu.status, 'Active');
  assert.deepEqual(neu.precedingPfIds, [old.id]);
  const { status, ...rest } = dep, { status: s0, ...rest0 } = old;
  assert.deepEqual(rest, rest0, 'nothing but the status changed');
  const d = await get(`/3/footprints?status=deprecated&productId=${fps.productIngot}`, tokB);
  assert.deepEqual(d.body.data.map((x) => x.id), [old.id]);
  fps.oldPf = old.id;
  fps.newPf = neu.id;
});

test('v2.3: /2/footprints answers the same footprints in the v2 data model', async () => {
  const r = await get('/2/footprints', tokB);
  assert.equal(r.status, 200);
  assert.ok(r.body.data.length >= 3);
  assert.ok(r.body.data.every((x) => x.specVersion === '2.3.0' && /^\d+(\.\d+)?$/.test(x.pcf.pCfExcludingBiogenic)));
  assert.equal((await get('/2/footprints?$filter=x', tokB)).body.code, 'NotImplemented');
  assert.equal((await get(`/2/footprints/${randomUUID()}`, tokB)).body.code, 'NoSuchFootprint');
});

test('pull: one tanji imports another\'s footprints as primary data; deprecated ones are flagged', async () => {
  // (request_timeout: pooled connections stay usable across slow CLI steps under the sanitizers)
  srv2 = await startServer({ set: { pact_ca_file: cert, request_timeout: 600 }, noAdmin: true });
  s2 = { users: { alice: { name: uniq('alice2') }, bob: { name: uniq('bob2') } } };
  const adm = (...a) => execFileSync(TANJI, ['admin', ...a, '--db', srv2.db], { stdio: 'pipe', env: { ...process.env, TJ_PW: 'pact-password-123' } });
  const o1 = uniq('orgA2'), o2 = uniq('orgB2');
  adm('org', 'add', o1, '--kind', 'enterprise');
  adm('org', 'add', o2, '--kind', 'enterprise');
  adm('user', 'add', s2.users.alice.name, '--org', o1, '--roles', 'enterprise');
  adm('user', 'add', s2.users.bob.name, '--org', o2, '--roles', 'enterprise');
  adm('user', 'passwd', s2.users.alice.name, '--password-env', 'TJ_PW');
  s2.users.alice.token = await login(srv2, s2.users.alice.name, 'pact-password-123');
  const r = await req(srv2, 'POST', '/pact/pull', { token: s2.users.alice.token, json: { from: pact, client_id: clientB.client_id, client_secret: clientB.client_secret } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.pulled, fps.total + 1, r.text);
  for (const id of [fps.oldPf, fps.newPf]) assert.ok(r.body.footprints.some((x) => x.id === id));
  const sup = await req(srv2, 'GET', '/pact/suppliers', { token: s2.users.alice.token });
  const old = sup.body.items.find((x) => x.id === fps.oldPf);
  assert.deepEqual(old.flags, ['deprecated']);
  assert.equal(old.unit, 'kg');
  // B's enterprise user (another organisation) has none
  assert.deepEqual(JSON.parse(execFileSync(TANJI, ['pact', 'suppliers', '--db', srv2.db, '--as', s2.users.bob.name], { encoding: 'utf8' })), []);
  // a model using the supplier's footprints in place of a generic factor
  const m = JSON.parse(readFileSync(join(SRC, 'examples/tea.json'), 'utf8'));
  m.processes[0].exchanges.push({ type: 'product', flow: 'aluminium foil', direction: 'input', amount: 0.01, unit: 'kg', factor: { supplier: fps.oldPf } });
  const f = join(dir, 'with-supplier.json');
  writeFileSync(f, JSON.stringify(m));
  const out = JSON.parse(execFileSync(TANJI, ['calc', f, '--db', srv2.db, '--save', '--as', s2.users.alice.name, '--format', 'json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  assert.ok(out.factors_used.some((x) => x.id === 'pact:' + fps.oldPf), JSON.stringify(out.factors_used));
  const inp = await req(srv2, 'GET', `/pact/footprints/${out.footprint_id}/inputs`, { token: s2.users.alice.token });
  assert.equal(inp.status, 200, inp.text);
  assert.equal(inp.body.supplier_inputs.length, 1, inp.text);
  assert.deepEqual(inp.body.supplier_inputs[0].flags, ['deprecated']);
  assert.equal(inp.body.flagged, true);
  assert.ok(inp.body.primary_data_share > 0 && inp.body.primary_data_share <= 100);
  // another organisation cannot use A's supplier data
  const f2 = join(dir, 'bob.json');
  writeFileSync(f2, JSON.stringify(m));
  assert.throws(() => execFileSync(TANJI, ['calc', f2, '--db', srv2.db, '--as', s2.users.bob.name], { stdio: 'pipe' }));
  // the command line pulls too (again: nothing new)
  const c = JSON.parse(execFileSync(TANJI, ['pact', 'pull', '--from', pact, '--client-id', clientB.client_id, '--client-secret-env', 'TJ_PACT_SECRET', '--cacert', cert, '--db', srv2.db, '--as', s2.users.alice.name],
    { encoding: 'utf8', env: { ...process.env, TJ_PACT_SECRET: clientB.client_secret }, stdio: ['ignore', 'pipe', 'pipe'] }));
  assert.equal(c.pulled, 0);
  // wrong credentials: an error, nothing imported
  const w = await req(srv2, 'POST', '/pact/pull', { token: s2.users.alice.token, json: { from: pact, client_id: clientB.client_id, client_secret: 'wrong-secret-123' } });
  assert.ok(w.status >= 400);
});

test('subscriptions: the server pulls every interval by itself; a bad secret records the error, retried with backoff', async () => {
  assert.ok(s2 && s2.users.alice.token, 'the pull test ran');
  const tok = s2.users.alice.token;
  const list = async () => (await req(srv2, 'GET', '/pact/subscriptions', { token: tok })).body.items;
  const add = await req(srv2, 'POST', '/pact/subscriptions', { token: tok, json: { url: pact, client_id: clientB.client_id, client_secret: clientB.client_secret, interval: 1 } });
  assert.equal(add.status, 201, add.text);
  assert.equal(add.body.interval, 1);
  assert.ok(!add.text.includes(clientB.client_secret), 'the secret is never shown');
  // the secret is stored sealed: not in the database files in clear
  if (!PG) {
    for (const f of [srv2.db, srv2.db + '-wal']) {
      let bytes = Buffer.alloc(0);
      try { bytes = readFileSync(f); } catch { /* no WAL file */ }
      assert.ok(!bytes.includes(Buffer.from(clientB.client_secret)), f);
    }
    assert.ok(readFileSync(srv2.db + '.secrets-key', 'utf8').includes('tanji-secrets-key/secretbox'));
  }
  // a footprint disclosed to B after the subscription arrives with no pull command
  const a = s.users.alice.name;
  const fresh = footprint(srv.db, a, uniq('Aluminium rod'), 'CN-YN');
  const rodId = 'urn:pact:tanji-test:rod-' + randomBytes(4).toString('hex');
  cli(srv.db, a, 'pact', 'attributes', fresh, '--json', JSON.stringify({ productIds: [rodId], fossilCarbonContent: '0' }));
  cli(srv.db, a, 'disclose', 'publish', fresh, '--scope', 'partners', '--partners', s.orgs.B.id);
  await get('/3/footprints?limit=1', tokB); // (the host projects disclosures on a request)
  const sub = await waitFor(async () => {
    const x = (await list()).find((i) => i.id === add.body.id);
    return x && x.runs >= 2 && x.last_status === 'ok' && x;
  }, 30000);
  assert.equal(sub.failures, 0);
  assert.equal(sub.last_error, null);
  assert.ok(sub.last_report.footprints >= fps.total + 2, JSON.stringify(sub));
  const sup = await waitFor(async () => {
    const r = await req(srv2, 'GET', '/pact/suppliers', { token: tok });
    return r.body.items.some((x) => (x.product_ids || []).includes(rodId)) && r.body.items;
  }, 30000);
  assert.ok(sup.length >= fps.total + 2);
  // a wrong secret: the runs fail, the error is kept, retries back off (1 s, 2 s, 4 s ...)
  const bad = await req(srv2, 'POST', '/pact/subscriptions', { token: tok, json: { url: pact, client_id: 'nobody-' + randomBytes(4).toString('hex'), client_secret: 'wrong-secret-' + randomBytes(4).toString('hex'), interval: 1 } });
  assert.equal(bad.status, 201, bad.text);
  const failed = await waitFor(async () => {
    const x = (await list()).find((i) => i.id === bad.body.id);
    return x && x.failures >= 2 && x;
  }, 30000);
  assert.equal(failed.last_status, 'error');
  assert.match(failed.last_error.message, /refused the client credentials/);
  assert.equal(failed.last_report, null);
  assert.ok(Date.parse(failed.next_run) - Date.parse(failed.last_run) >= 2000, JSON.stringify(failed));
  // run now: the error is the answer too
  const now = await req(srv2, 'POST', `/pact/subscriptions/${bad.body.id}/run`, { token: tok });
  assert.equal(now.status, 403, now.text);
  const okNow = await req(srv2, 'POST', `/pact/subscriptions/${add.body.id}/run`, { token: tok });
  assert.equal(okNow.status, 200, okNow.text);
  assert.equal(okNow.body.last_status, 'ok');
  // another organisation sees none of them, and cannot run or remove one
  const bob = s2.users.bob.name;
  assert.deepEqual(JSON.parse(execFileSync(TANJI, ['pact', 'subscription', 'list', '--db', srv2.db, '--as', bob], { encoding: 'utf8' })), []);
  assert.throws(() => execFileSync(TANJI, ['pact', 'subscription', 'rm', bad.body.id, '--db', srv2.db, '--as', bob], { stdio: 'pipe' }));
  // the command line: list, rm
  const cl = JSON.parse(execFileSync(TANJI, ['pact', 'subscription', 'list', '--db', srv2.db, '--as', s2.users.alice.name], { encoding: 'utf8' }));
  assert.deepEqual(cl.map((x) => x.id).sort(), [add.body.id, bad.body.id].sort());
  execFileSync(TANJI, ['pact', 'subscription', 'rm', bad.body.id, '--db', srv2.db, '--as', s2.users.alice.name], { stdio: 'pipe' });
  assert.equal((await req(srv2, 'DELETE', `/pact/subscriptions/${add.body.id}`, { token: tok })).status, 204);
  assert.deepEqual(await list(), []);
  assert.equal((await req(srv2, 'DELETE', `/pact/subscriptions/${add.body.id}`, { token: tok })).status, 404);
  // bad input
  for (const json of [{ url: 'http://x', client_id: 'a', client_secret: 'b', interval: 1 }, { url: pact, client_id: 'a', client_secret: 'b', interval: 0 },
    { url: pact, client_id: 'a', interval: 60 }, { url: pact, client_id: 'a', client_secret: 'b', interval: 'daily' }]) {
    const r = await req(srv2, 'POST', '/pact/subscriptions', { token: tok, json });
    assert.equal(r.status, 400, JSON.stringify(json) + ' ' + r.text);
  }
});

test('ledger verify explains every PACT record; one changed behind tanji\'s back is named', async () => {
  // a standing subscription (daily) to have one of that type too
  const sub = JSON.parse(execFileSync(TANJI, ['pact', 'subscription', 'add', '--from', pact, '--client-id', clientB.client_id, '--client-secret-env', 'TJ_PACT_SECRET', '--interval', '86400', '--db', srv2.db, '--as', s2.users.alice.name],
    { encoding: 'utf8', env: { ...process.env, TJ_PACT_SECRET: clientB.client_secret } }));
  assert.equal(sub.interval, 86400);
  // SQL on the databases behind tanji's back: [db, statement] pairs -> the first column of each
  // one's first row; psql, or one python3 for them all (its start-up is slow on a loaded machine)
  const sqlAll = (pairs) => (PG
    ? pairs.map(([db, q]) => execFileSync('psql', [db, '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', q], { encoding: 'utf8' }).trim().split('\n')[0])
    : JSON.parse(execFileSync('python3', ['-c', `import json, sqlite3, sys
out = []
for db, q in json.loads(sys.argv[1]):
    c = sqlite3.connect(db, timeout=30)
    r = c.execute(q).fetchall()
    c.commit()
    c.close()
    out.append(str(r[0][0]) if r else "")
print(json.dumps(out))`, JSON.stringify(pairs)], { encoding: 'utf8' })));
  const [stored, pf, attr, ans, sup] = sqlAll([
    [srv.db, `SELECT client_secret FROM pact_partner WHERE org_id = '${s.orgs.B.id}'`],
    [srv.db, `SELECT MIN(id) FROM pact_footprint WHERE owner_org = '${s.orgs.A.id}'`],
    [srv.db, `SELECT MIN(footprint_id) FROM pact_attr WHERE owner_org = '${s.orgs.A.id}'`],
    [srv.db, `SELECT MIN(id) FROM pact_outbox WHERE org_id = '${s.orgs.B.id}'`],
    [srv2.db, `SELECT MIN(pf_id) FROM pact_supplier WHERE owner_org = (SELECT org_id FROM principal WHERE name = '${s2.users.alice.name}')`],
  ]);
  // the partner's client secret (B's events endpoint) is kept sealed too
  assert.match(stored, /^sb1:[0-9a-f]+$/);
  const verify = (db) => {
    try {
      return { rc: 0, out: execFileSync(TANJI, ['ledger', 'verify', '--db', db], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
    } catch (e) { return { rc: e.status, out: String(e.stdout) + String(e.stderr) }; }
  };
  for (const db of PG ? [srv.db] : [srv.db, srv2.db]) {
    const v = verify(db);
    // (on PostgreSQL the database is shared with the other suites: only PACT records are this one's)
    if (!PG) assert.equal(v.rc, 0, v.out);
    assert.doesNotMatch(v.out, /state +pact_/, v.out);
  }
  assert.ok(pf && attr && ans && sup, [pf, attr, ans, sup].join());
  // [db, type, tamper, undo]; a request's answer changes with the request (pact_event), so that one goes alone
  const rounds = [[
    [srv.db, 'pact_footprint', `UPDATE pact_footprint SET geography = geography || 'x' WHERE id = '${pf}'`, `UPDATE pact_footprint SET geography = substr(geography, 1, length(geography) - 1) WHERE id = '${pf}'`],
    [srv.db, 'pact_attr', `UPDATE pact_attr SET attrs = replace(attrs, '"fossilCarbonContent":"0"', '"fossilCarbonContent":"1"') WHERE footprint_id = '${attr}'`,
      `UPDATE pact_attr SET attrs = replace(attrs, '"fossilCarbonContent":"1"', '"fossilCarbonContent":"0"') WHERE footprint_id = '${attr}'`],
    [srv.db, 'pact_partner', `UPDATE pact_partner SET events_url = events_url || '/x' WHERE org_id = '${s.orgs.B.id}'`, `UPDATE pact_partner SET events_url = substr(events_url, 1, length(events_url) - 2) WHERE org_id = '${s.orgs.B.id}'`],
    [srv.db, 'pact_answer', `UPDATE pact_outbox SET status = 'given_up' WHERE id = '${ans}'`, `UPDATE pact_outbox SET status = 'sent' WHERE id = '${ans}'`],
    [srv2.db, 'pact_supplier', `UPDATE pact_supplier SET value = value * 2 WHERE pf_id = '${sup}'`, `UPDATE pact_supplier SET value = value / 2 WHERE pf_id = '${sup}'`],
    [srv2.db, 'pact_subscription', `UPDATE pact_subscription SET interval_s = 1 WHERE id = '${sub.id}'`, `UPDATE pact_subscription SET interval_s = 86400 WHERE id = '${sub.id}'`],
  ], [
    [srv.db, 'pact_event', `UPDATE pact_outbox SET request_id = request_id || 'x' WHERE id = '${ans}'`, `UPDATE pact_outbox SET request_id = substr(request_id, 1, length(request_id) - 1) WHERE id = '${ans}'`],
  ]];
  const dbs = PG ? [srv.db] : [srv.db, srv2.db];
  for (const round of rounds) {
    sqlAll(round.map(([db, , tamper]) => [db, tamper]));
    const out = dbs.map((db) => verify(db));
    dbs.forEach((db, i) => { if (round.some(([d]) => d === db)) assert.notEqual(out[i].rc, 0, out[i].out); });
    for (const [, type] of round) assert.match(out.map((v) => v.out).join('\n'), new RegExp(`state +${type} `), type);
    sqlAll(round.map(([db, , , undo]) => [db, undo]));
  }
  for (const db of dbs) assert.doesNotMatch(verify(db).out, /state +pact_/, 'all undone');
});

test('the PACT listener refuses to start without a certificate', () => {
  assert.throws(() => execFileSync(TANJI, ['serve', '--db', srv.db, '--listen', '127.0.0.1:0', '--pact-listen', '127.0.0.1:0'], { stdio: 'pipe', timeout: 10000 }),
    (e) => /HTTPS only/.test(String(e.stderr)));
});
