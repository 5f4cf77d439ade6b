// Attack suite: hostile requests never crash the server, never change data,
// never reveal another organisation's objects.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, req, seed, exampleModel, uniq } from './lib.mjs';

let srv, P, modelA;
before(async () => {
  // request_timeout above undici's 4 s keep-alive: the server never closes an idle
  // connection that fetch still considers reusable (a POST on it would fail)
  srv = await startServer({ set: { request_timeout: 6, max_body: 65536, max_json_depth: 32 } });
  P = await seed(srv);
  modelA = (await req(srv, 'POST', '/models', { token: P.users.alice.token, json: { model: exampleModel() } })).body.id;
});
after(async () => { if (srv) assert.equal(await srv.stop(), 0); });

const INJECT = ["' OR '1'='1", "'; DROP TABLE model; --", '" OR ""="', "1; SELECT pg_sleep(5)--", "%' --",
  "\\' UNION SELECT secret_hash FROM principal --", 'Robert\'); DROP TABLE principal;--', '\u0000', '../../etc/passwd'];

async function countModels(token) {
  return (await req(srv, 'GET', '/models?limit=1000', { token })).body.items.length;
}

test('SQL injection strings in text fields and query parameters', async () => {
  const before = await countModels(P.op);
  for (const s of INJECT) {
    for (const path of [`/factors?q=${encodeURIComponent(s)}`, `/factors?region=${encodeURIComponent(s)}`,
      `/factors?category=${encodeURIComponent(s)}&status=${encodeURIComponent(s)}`,
      `/factors/resolve?q=${encodeURIComponent(s)}&region=${encodeURIComponent(s)}`,
      `/rules/find?product=${encodeURIComponent(s)}&region=${encodeURIComponent(s)}`,
      `/users?org=${encodeURIComponent(s)}`, `/models?limit=${encodeURIComponent(s)}`]) {
      const r = await req(srv, 'GET', path, { token: P.users.alice.token });
      assert.ok(r.status < 500, `${path}: ${r.status} ${r.text}`);
      if (r.status >= 400) assert.equal(typeof r.body.code, 'string');
      if (path.startsWith('/factors?q=') && !s.includes('\u0000') && s !== '\u0000' && r.status === 200) assert.equal(r.body.items.length, 0, path);
    }
    const m = await req(srv, 'POST', '/models', { token: P.users.bob.token, json: { name: s, model: exampleModel() } });
    assert.ok([201, 400].includes(m.status), m.text);
    if (m.status === 201) {
      const g = await req(srv, 'GET', `/models/${m.body.id}`, { token: P.users.bob.token });
      assert.equal(g.body.name, s, 'stored as given, not interpreted');
      await req(srv, 'DELETE', `/models/${m.body.id}`, { token: P.users.bob.token });
    }
    const o = await req(srv, 'POST', '/organisations', { token: P.op, json: { name: s + uniq(''), kind: 'enterprise' } });
    assert.ok([201, 400].includes(o.status), o.text);
    const l = await req(srv, 'POST', '/auth/login', { json: { name: s, password: s + s } });
    assert.ok([400, 401, 429].includes(l.status), l.text);
    const f = await req(srv, 'POST', '/factors', { token: P.users.sub.token, json: { name_zh: s || 'x', unit: 'kg', value: 1, region: 'CN', category: s } });
    assert.ok(f.status < 500, f.text);
  }
  assert.equal(await countModels(P.op), before, 'no model gained or lost');
  assert.equal((await req(srv, 'GET', `/models/${modelA}`, { token: P.users.alice.token })).status, 200);
});

test('path traversal and odd ids', async () => {
  for (const id of ['..', '.', '%2e%2e', '..%2f..%2fetc%2fpasswd', '%2fetc%2fpasswd', 'a%00b', "1'or'1'='1", 'x'.repeat(300),
    '%252e%252e', '%C0%AE%C0%AE', encodeURIComponent(modelA + "' OR '1'='1")]) {
    for (const base of ['/models/', '/footprints/', '/calculations/', '/factors/', '/rules/', '/public/footprints/']) {
      const r = await req(srv, 'GET', base + id, { token: P.users.alice.token });
      assert.ok([400, 404].includes(r.status), `${base}${id}: ${r.status} ${r.text}`);
      assert.equal(typeof r.body.code, 'string');
    }
  }
  const raw = await rawRequest(`GET /api/v1/models/../../../etc/passwd HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${P.users.alice.token}\r\nConnection: close\r\n\r\n`);
  assert.match(raw, /^HTTP\/1\.1 404/);
  assert.ok(!raw.includes('root:'));
});

test('tokens: another organisation\'s token, garbage, wrong scheme', async () => {
  const b = P.users.bob.token;
  for (const [m, p, json] of [['GET', `/models/${modelA}`], ['PUT', `/models/${modelA}`, { name: 'x' }], ['DELETE', `/models/${modelA}`],
    ['POST', '/calculations', { model_id: modelA }], ['POST', '/checks', { model_id: modelA, rule: 'x' }]]) {
    const r = await req(srv, m, p, { token: b, json });
    assert.equal(r.status, 404, `${m} ${p}: ${r.text}`);
  }
  for (const t of ['', 'x', 'tjs_' + 'A'.repeat(43), P.users.alice.token + 'x', P.users.alice.token.slice(0, -1), 'a'.repeat(5000)]) {
    const r = await req(srv, 'GET', '/auth/me', { headers: { authorization: `Bearer ${t}` } });
    assert.ok([401, 413, 431].includes(r.status), `${t.slice(0, 20)}: ${r.status}`);
  }
  const basic = await req(srv, 'GET', '/models', { headers: { authorization: 'Basic YTpi' } });
  assert.equal(basic.status, 401);
  assert.equal((await req(srv, 'GET', `/models/${modelA}`, { token: P.users.alice.token })).status, 200);
});

test('bodies: oversized, deeply nested, malformed, wrong content type', async () => {
  const a = P.users.alice.token;
  const big = await req(srv, 'POST', '/models', { token: a, body: JSON.stringify({ model: { processes: [], pad: 'x'.repeat(70000) } }), type: 'application/json' });
  assert.equal(big.status, 413);
  assert.equal(big.body.code, 'payload_too_large');
  const deep = '['.repeat(100000) + ']'.repeat(100000);
  const d = await req(srv, 'POST', '/models', { token: a, body: deep.slice(0, 60000), type: 'application/json' });
  assert.equal(d.status, 400, d.text);
  const nested = await req(srv, 'POST', '/models', { token: a, body: '{"model":' + '{"a":'.repeat(40) + '1' + '}'.repeat(41), type: 'application/json' });
  assert.equal(nested.status, 400);
  assert.match(nested.body.message, /deeper/);
  for (const body of ['{', '{"model": }', 'null', '[]', '"str"', '{"model":{"processes":[]},"model":{}}', '\u0000']) {
    const r = await req(srv, 'POST', '/models', { token: a, body, type: 'application/json' });
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
  }
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx']) {
    const r = await req(srv, 'POST', '/models', { token: a, body: JSON.stringify({ model: exampleModel() }), type });
    assert.equal(r.status, 415, type);
  }
  const noType = await req(srv, 'POST', '/auth/login', { body: '{"name":"a","password":"b"}' });
  assert.equal(noType.status, 415);
  const chunked = await rawRequest(`POST /api/v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${a}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n` +
    Array.from({ length: 20 }, () => '1000\r\n' + 'x'.repeat(4096) + '\r\n').join('') + '0\r\n\r\n');
  assert.match(chunked, /^HTTP\/1\.1 413/, 'a chunked body over the limit');
  const up = await req(srv, 'POST', '/models/from-sheets?product_zh=x&unit=kg', { token: a, body: 'not a workbook', type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
  assert.equal(up.status, 400);
});

test('headers too large, slow clients, many connections', async () => {
  const r = await rawRequest(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40000)}\r\nConnection: close\r\n\r\n`);
  assert.match(r, /^HTTP\/1\.1 (413|431)|^$/);
  // a slow client (headers never finished) is dropped after request_timeout; others are served meanwhile
  const slow = net.connect(Number(new URL(srv.base).port), '127.0.0.1');
  await new Promise((res) => slow.on('connect', res));
  slow.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
  const closed = new Promise((res) => slow.on('close', () => res(Date.now())));
  const t0 = Date.now();
  for (let i = 0; i < 5; i++) assert.equal((await req(srv, 'GET', '/healthz')).status, 200);
  const at = await closed;
  assert.ok(at - t0 >= 5000 && at - t0 < 20000, `closed after ${at - t0} ms`);
  const socks = await Promise.all(Array.from({ length: 50 }, () => new Promise((res) => {
    const s = net.connect(Number(new URL(srv.base).port), '127.0.0.1', () => res(s));
  })));
  assert.equal((await req(srv, 'GET', '/healthz')).status, 200);
  for (const s of socks) s.destroy();
});

test('rate limits answer 429 with Retry-After', async () => {
  const s2 = await startServer({ set: { rate: 5, burst: 5 }, noAdmin: false });
  try {
    const codes = [];
    for (let i = 0; i < 15; i++) codes.push((await req(s2, 'GET', '/healthz')).status);
    assert.ok(codes.includes(429), codes.join(','));
    const r = await req(s2, 'GET', '/healthz');
    if (r.status === 429) {
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
      assert.equal(r.body.code, 'too_many_requests');
    }
  } finally { await s2.stop(); }
});

test('the server is still healthy and data intact', async () => {
  assert.equal((await req(srv, 'GET', '/healthz')).status, 200);
  assert.equal((await req(srv, 'GET', `/models/${modelA}`, { token: P.users.alice.token })).status, 200);
  assert.doesNotMatch(srv.stderr, /AddressSanitizer|runtime error|left a transaction open/);
});

function rawRequest(text) {
  return new Promise((resolve) => {
    const s = net.connect(Number(new URL(srv.base).port), '127.0.0.1', () => s.write(text));
    let out = '';
    s.on('data', (d) => { out += d; });
    s.on('error', () => resolve(out));
    s.on('close', () => resolve(out));
    s.setTimeout(5000, () => s.destroy());
  });
}
