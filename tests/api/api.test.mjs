// Every route, every role: the JSON API of `tanji serve` (black box).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, req, seed, exampleModel, waitJob, login, uniq, PG, TANJI } from './lib.mjs';

let srv, P;
before(async () => { srv = await startServer(); P = await seed(srv); });
after(async () => { if (srv) assert.equal(await srv.stop(), 0, 'SIGTERM stops the server cleanly'); });

const errShape = (r) => {
  assert.equal(typeof r.body.code, 'string', r.text);
  assert.equal(typeof r.body.message, 'string', r.text);
  for (const k of Object.keys(r.body)) assert.ok(['code', 'message', 'field'].includes(k), r.text);
};

test('health, metrics, OpenAPI', async () => {
  const h = await req(srv, 'GET', '/healthz');
  assert.equal(h.status, 200);
  assert.equal(h.body.status, 'ok');
  assert.equal(h.body.database, PG ? 'postgresql' : 'sqlite');
  const m = await req(srv, 'GET', '/metrics');
  assert.equal(m.status, 200);
  assert.match(m.text, /^tanji_http_requests_total\{method="GET",route="\/healthz",code="2xx"\} [1-9]/m);
  assert.match(m.text, /tanji_http_request_duration_seconds_bucket\{le="\+Inf"\} \d+/);
  assert.match(m.text, /tanji_jobs\{status="queued"\} \d+/);
  assert.match(m.text, /tanji_db_up\{backend="(sqlite|postgresql)"\} 1/);
  const o = await req(srv, 'GET', '/api/v1/openapi.json');
  assert.equal(o.status, 200);
  assert.equal(o.body.openapi, '3.1.0');
});

test('login, me, logout; a logged-out token is refused', async () => {
  const t = await login(srv, P.users.alice.name, P.users.alice.password);
  const me = await req(srv, 'GET', '/auth/me', { token: t });
  assert.equal(me.status, 200);
  assert.equal(me.body.org_id, P.orgs.A.id);
  assert.equal(me.body.roles, 'enterprise');
  assert.equal((await req(srv, 'POST', '/auth/logout', { token: t })).status, 204);
  const again = await req(srv, 'GET', '/auth/me', { token: t });
  assert.equal(again.status, 401);
  errShape(again);
  assert.match(again.headers.get('www-authenticate') || '', /Bearer/);
  const none = await req(srv, 'GET', '/models');
  assert.equal(none.status, 401);
  const wrong = await req(srv, 'POST', '/auth/login', { json: { name: P.users.alice.name, password: 'nope-nope-nope' } });
  assert.equal(wrong.status, 401);
  const unknown = await req(srv, 'POST', '/auth/login', { json: { name: 'no-such-user', password: 'nope-nope-nope' } });
  assert.equal(unknown.status, 401);
  assert.equal(unknown.body.message, wrong.body.message, 'a wrong name and a wrong password look the same');
});

test('accounts are the operator\'s', async () => {
  for (const u of ['alice', 'reg', 'sub']) {
    const r = await req(srv, 'POST', '/organisations', { token: P.users[u].token, json: { name: uniq('x'), kind: 'enterprise' } });
    assert.equal(r.status, 403, u);
    errShape(r);
    const c = await req(srv, 'POST', '/users', { token: P.users[u].token, json: { name: uniq('x'), org: P.orgs.A.name, roles: 'operator', password: 'xxxxxxxxxxxx' } });
    assert.equal(c.status, 403, u);
  }
  const list = await req(srv, 'GET', '/organisations', { token: P.users.alice.token });
  assert.deepEqual(list.body.items.map((o) => o.id), [P.orgs.A.id], 'an enterprise sees its own organisation');
  const all = await req(srv, 'GET', '/organisations', { token: P.users.reg.token });
  assert.ok(all.body.items.length >= 6, 'a regulator sees every organisation');
  const users = await req(srv, 'GET', '/users', { token: P.users.alice.token });
  assert.ok(users.body.items.every((u) => u.org_id === P.orgs.A.id));
  assert.ok(users.body.items.every((u) => !('secret_hash' in u)));
  const dup = await req(srv, 'POST', '/organisations', { token: P.op, json: { name: P.orgs.A.name, kind: 'enterprise' } });
  assert.equal(dup.status, 409);
  const badkind = await req(srv, 'POST', '/organisations', { token: P.op, json: { name: uniq('x'), kind: 'pirate' } });
  assert.equal(badkind.status, 400);
  assert.equal(badkind.body.field, 'kind');
});

test('models: CRUD by the owner; other organisations get 404 exactly as a missing id', async () => {
  const a = P.users.alice.token, b = P.users.bob.token;
  const c = await req(srv, 'POST', '/models', { token: a, json: { model: exampleModel() } });
  assert.equal(c.status, 201, c.text);
  const id = c.body.id;
  assert.equal(c.body.owner_org, P.orgs.A.id);
  assert.equal(c.body.revision, 1);
  const g = await req(srv, 'GET', `/models/${id}`, { token: a });
  assert.equal(g.status, 200);
  assert.equal(g.body.model.product.unit, 'kg');
  const missing = await req(srv, 'GET', '/models/00000000-0000-4000-8000-000000000000', { token: b });
  for (const [m, body] of [['GET'], ['PUT', { name: 'stolen' }], ['DELETE']]) {
    const r = await req(srv, m, `/models/${id}`, { token: b, json: body });
    assert.equal(r.status, 404, `${m} of another organisation's model`);
    assert.equal(r.body.code, missing.body.code);
    assert.equal(r.body.message.replace(id, 'ID'), missing.body.message.replace('00000000-0000-4000-8000-000000000000', 'ID'));
  }
  for (const u of ['reg', 'rev', 'ver']) {
    assert.equal((await req(srv, 'GET', `/models/${id}`, { token: P.users[u].token })).status, 404, u);
    assert.equal((await req(srv, 'POST', '/models', { token: P.users[u].token, json: { model: exampleModel() } })).status, 403, u);
  }
  const lb = await req(srv, 'GET', '/models', { token: b });
  assert.ok(!lb.body.items.some((m) => m.id === id));
  const la = await req(srv, 'GET', '/models', { token: a });
  assert.ok(la.body.items.some((m) => m.id === id));
  const u = await req(srv, 'PUT', `/models/${id}`, { token: a, json: { name: 'renamed', revision: 1 } });
  assert.equal(u.status, 200, u.text);
  assert.equal(u.body.revision, 2);
  const stale = await req(srv, 'PUT', `/models/${id}`, { token: a, json: { name: 'again', revision: 1 } });
  assert.equal(stale.status, 409);
  const opsee = await req(srv, 'GET', `/models/${id}`, { token: P.op });
  assert.equal(opsee.status, 200, 'the operator sees every record');
  assert.equal((await req(srv, 'DELETE', `/models/${id}`, { token: a })).status, 204);
  assert.equal((await req(srv, 'GET', `/models/${id}`, { token: a })).status, 404);
  const bad = await req(srv, 'POST', '/models', { token: a, json: { model: { no: 'processes' }, name: 'x' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.field, 'model.processes');
});

test('calculations as jobs; footprints saved, private, published, reported', async () => {
  const a = P.users.alice.token, b = P.users.bob.token;
  const m = await req(srv, 'POST', '/models', { token: a, json: { model: exampleModel('electrolytic-aluminium.json') } });
  assert.equal(m.status, 201, m.text);
  const j = await req(srv, 'POST', '/calculations', { token: a, json: { model_id: m.body.id, save: true } });
  assert.equal(j.status, 202, j.text);
  assert.equal((await req(srv, 'GET', `/calculations/${j.body.id}`, { token: b })).status, 404);
  const done = await waitJob(srv, a, j.body.id);
  assert.equal(done.body.status, 'done', done.text);
  assert.equal(done.body.progress, 1);
  const fid = done.body.result.footprint_id;
  assert.ok(done.body.result.total > 0);
  const fp = await req(srv, 'GET', `/footprints/${fid}`, { token: a });
  assert.equal(fp.status, 200);
  assert.equal(fp.body.owner_org, P.orgs.A.id);
  assert.ok(Math.abs(fp.body.result.total - done.body.result.total) < 1e-9 * Math.abs(fp.body.total));
  assert.equal((await req(srv, 'GET', `/footprints/${fid}`, { token: b })).status, 404);
  assert.equal((await req(srv, 'GET', `/footprints/${fid}`, { token: P.users.reg.token })).status, 404);
  assert.ok(!(await req(srv, 'GET', '/footprints', { token: b })).body.items.some((f) => f.id === fid));
  const ex = await req(srv, 'GET', `/footprints/${fid}/export`, { token: a });
  assert.equal(ex.status, 200);
  assert.match(ex.headers.get('content-disposition'), /attachment; filename="footprint-.*\.json"/);
  const html = await req(srv, 'GET', `/footprints/${fid}/report?format=html&lang=en`, { token: a });
  assert.equal(html.status, 200);
  assert.match(html.text, /<html/i);
  const pdf = await req(srv, 'GET', `/footprints/${fid}/report?format=pdf`, { token: a });
  assert.equal(pdf.status, 200);
  assert.equal(pdf.buf.subarray(0, 4).toString(), '%PDF');
  assert.equal((await req(srv, 'GET', `/footprints/${fid}/report?format=pdf`, { token: b })).status, 404);
  assert.equal((await req(srv, 'GET', `/public/footprints/${fid}`)).status, 404, 'not public yet');
  assert.equal((await req(srv, 'POST', `/footprints/${fid}/publish`, { token: b })).status, 404);
  assert.equal((await req(srv, 'POST', `/footprints/${fid}/publish`, { token: a })).status, 200);
  assert.equal((await req(srv, 'POST', `/footprints/${fid}/publish`, { token: a })).status, 409);
  const pub = await req(srv, 'GET', `/public/footprints/${fid}`);
  assert.equal(pub.status, 200);
  assert.equal(pub.body.id, fid);
  // a calculation without saving returns the result JSON contract
  const j2 = await req(srv, 'POST', '/calculations', { token: a, json: { model: exampleModel(), gwp: 'AR5' } });
  const d2 = await waitJob(srv, a, j2.body.id);
  assert.equal(d2.body.status, 'done', d2.text);
  assert.equal(d2.body.result.gwp, 'AR5');
  for (const k of ['total', 'unit', 'by_stage', 'by_gas', 'inputs_digest']) assert.ok(k in d2.body.result, k);
  // a failing job records its error in the error shape
  const j3 = await req(srv, 'POST', '/calculations', { token: a, json: { model: { processes: [] } } });
  const d3 = await waitJob(srv, a, j3.body.id);
  assert.equal(d3.body.status, 'failed');
  assert.equal(typeof d3.body.error.message, 'string');
  assert.equal((await req(srv, 'POST', `/calculations/${j3.body.id}/cancel`, { token: a })).status, 409);
  assert.equal((await req(srv, 'POST', '/calculations', { token: P.users.reg.token, json: { model_id: m.body.id } })).status, 403);
  const bp = await req(srv, 'POST', '/calculations', { token: a, json: { model_id: m.body.id, bogus: 1 } });
  assert.equal(bp.status, 400);
  assert.equal(bp.body.field, 'bogus');
  const list = await req(srv, 'GET', '/calculations', { token: a });
  assert.ok(list.body.items.length >= 3);
  assert.equal((await req(srv, 'GET', '/calculations', { token: b })).body.items.filter((x) => x.id === j.body.id).length, 0);
});

test('cancel a queued job', async () => {
  // a large Monte Carlo run keeps the worker busy while the next job waits
  const a = P.users.alice.token;
  const busy = await req(srv, 'POST', '/calculations', { token: a, json: { model: exampleModel('electrolytic-aluminium.json'), mc: 20000 } });
  const q = await req(srv, 'POST', '/calculations', { token: a, json: { model: exampleModel() } });
  const c = await req(srv, 'POST', `/calculations/${q.body.id}/cancel`, { token: a });
  if (c.status === 200) {
    assert.ok(c.body.cancel_requested);
    const f = await waitJob(srv, a, q.body.id);
    assert.ok(['cancelled', 'done'].includes(f.body.status));
  } else {
    assert.equal(c.status, 409, c.text); // finished already
  }
  await waitJob(srv, a, busy.body.id, 120000);
});

test('checks against rules; rules list, show, find, validate', async () => {
  const rules = await req(srv, 'GET', '/rules');
  assert.equal(rules.status, 200);
  assert.ok(rules.body.items.length > 0);
  assert.ok(rules.body.items.every((r) => !('file' in r)), 'no server paths');
  const one = rules.body.items[0];
  const show = await req(srv, 'GET', `/rules/${one.id}`);
  assert.equal(show.status, 200);
  assert.equal(typeof show.body.follow.zh, 'string');
  assert.equal((await req(srv, 'GET', '/rules/no-such-rule')).status, 404);
  const find = await req(srv, 'GET', `/rules/find?product=${encodeURIComponent(one.category)}`);
  assert.equal(find.status, 200);
  assert.ok(find.body.rules.length >= 1);
  assert.equal((await req(srv, 'GET', '/rules/find')).status, 400);
  const v = await req(srv, 'POST', '/rules/validate', { json: show.body.rule });
  assert.equal(v.status, 200, v.text);
  assert.equal(v.body.valid, true);
  const bad = await req(srv, 'POST', '/rules/validate', { json: { id: 'x' } });
  assert.equal(bad.status, 400);
  const m = await req(srv, 'POST', '/models', { token: P.users.alice.token, json: { model: exampleModel('electrolytic-aluminium.json') } });
  const nocat = await req(srv, 'POST', '/checks', { token: P.users.alice.token, json: { model_id: m.body.id } });
  assert.equal(nocat.status, 400, nocat.text);
  assert.equal(nocat.body.field, 'product.category');
  const ch = await req(srv, 'POST', '/checks', { token: P.users.alice.token, json: { model_id: m.body.id, rule: one.id } });
  assert.equal(ch.status, 200, ch.text);
  assert.equal(typeof ch.body.conforms, 'boolean');
  assert.ok(Array.isArray(ch.body.violations));
  assert.equal((await req(srv, 'POST', '/checks', { token: P.users.bob.token, json: { model_id: m.body.id, rule: one.id } })).status, 404);
});

test('factor workflow over HTTP, each step by its role', async () => {
  const f = {
    name_zh: uniq('测试因子'), name_en: 'test factor', category: 'test', unit: 'kg', value: 1.5,
    region: 'CN', ref_year: 2023, source_doc: 'test document', gwp_set: 'AR6',
  };
  const add = await req(srv, 'POST', '/factors', { token: P.users.sub.token, json: f });
  assert.equal(add.status, 201, add.text);
  const id = add.body.id;
  assert.equal(add.body.status, 'draft');
  assert.equal((await req(srv, 'GET', `/factors/${id}`)).status, 404, 'drafts are not public');
  assert.equal((await req(srv, 'GET', `/factors/${id}`, { token: P.users.alice.token })).status, 404);
  const wf = [['sub', 'submit'], ['rev', 'review'], ['rev', 'approve'], ['reg', 'publish']];
  for (const [who, action] of wf) {
    if (action === 'approve') {
      const wrong = await req(srv, 'POST', `/factors/${id}/transitions`, { token: P.users.sub.token, json: { action } });
      assert.equal(wrong.status, 403, 'a submitter may not approve');
    }
    const r = await req(srv, 'POST', `/factors/${id}/transitions`, { token: P.users[who].token, json: { action } });
    assert.equal(r.status, 200, `${action}: ${r.text}`);
  }
  const pub = await req(srv, 'GET', `/factors/${id}`);
  assert.equal(pub.status, 200);
  assert.equal(pub.body.status, 'published');
  const h = await req(srv, 'GET', `/factors/${id}/history`);
  assert.equal(h.body.events.length, 5);
  const s = await req(srv, 'GET', `/factors?q=${encodeURIComponent(f.name_zh)}`);
  assert.equal(s.body.items.length, 1);
  const res = await req(srv, 'GET', `/factors/resolve?q=${encodeURIComponent(f.name_zh)}&region=530000`);
  assert.equal(res.status, 200, res.text);
  assert.equal((await req(srv, 'GET', '/factors/resolve')).status, 400);
  const exp = await req(srv, 'GET', `/factors/export?format=csv&q=${encodeURIComponent(f.name_zh)}`);
  assert.equal(exp.status, 200);
  assert.match(exp.text, new RegExp(f.name_zh));
  const csv = `name_zh,name_en,category,unit,value,region,ref_year,source_doc\n${uniq('导入')},imported,test,kg,2.5,CN,2022,doc\n`;
  const imp = await req(srv, 'POST', '/factors/import?status=draft', { token: P.users.sub.token, body: csv, type: 'text/csv' });
  assert.equal(imp.status, 200, imp.text);
  assert.equal(imp.body.rows, 1);
  const badimp = await req(srv, 'POST', '/factors/import', { token: P.users.sub.token, body: 'name_zh\n"unterminated', type: 'text/csv' });
  assert.equal(badimp.status, 400, badimp.text);
  assert.equal((await req(srv, 'POST', '/factors/import?status=published', { token: P.users.alice.token, body: csv, type: 'text/csv' })).status, 403);
  const unk = await req(srv, 'POST', '/factors', { token: P.users.sub.token, json: { ...f, status: 'published' } });
  assert.equal(unk.status, 400);
  assert.equal(unk.body.field, 'status');
});

test('API clients: OAuth2 client credentials scoped to their organisation', async () => {
  const c = await req(srv, 'POST', '/clients', { token: P.op, json: { name: uniq('client'), org: P.orgs.A.name, roles: 'enterprise' } });
  assert.equal(c.status, 201, c.text);
  assert.equal((await req(srv, 'POST', '/clients', { token: P.users.alice.token, json: { name: uniq('c'), org: P.orgs.A.name, roles: 'enterprise' } })).status, 403);
  const form = (id, secret) => `grant_type=client_credentials&client_id=${encodeURIComponent(id)}&client_secret=${encodeURIComponent(secret)}`;
  const t = await req(srv, 'POST', '/auth/token', { body: form(c.body.client_id, c.body.client_secret), type: 'application/x-www-form-urlencoded' });
  assert.equal(t.status, 200, t.text);
  assert.equal(t.body.token_type, 'Bearer');
  assert.ok(t.body.expires_in > 0 && t.body.expires_in <= 3600);
  const bad = await req(srv, 'POST', '/auth/token', { body: form(c.body.client_id, 'wrong'), type: 'application/x-www-form-urlencoded' });
  assert.equal(bad.status, 401);
  assert.equal(bad.body.code, 'invalid_client');
  assert.equal((await req(srv, 'POST', '/auth/token', { json: {} })).status, 415);
  const grant = await req(srv, 'POST', '/auth/token', { body: 'grant_type=password', type: 'application/x-www-form-urlencoded' });
  assert.equal(grant.body.code, 'unsupported_grant_type');
  const mb = await req(srv, 'POST', '/models', { token: P.users.bob.token, json: { model: exampleModel() } });
  const tok = t.body.access_token;
  assert.equal((await req(srv, 'GET', `/models/${mb.body.id}`, { token: tok })).status, 404);
  const mine = await req(srv, 'POST', '/models', { token: tok, json: { model: exampleModel() } });
  assert.equal(mine.status, 201);
  assert.equal(mine.body.owner_org, P.orgs.A.id);
  // a client cannot log in as a user, nor a user as a client
  assert.equal((await req(srv, 'POST', '/auth/login', { json: { name: c.body.client_id, password: c.body.client_secret } })).status, 401);
});

test('revocation, disabling, passwords', async () => {
  const name = uniq('carol');
  assert.equal((await req(srv, 'POST', '/users', { token: P.op, json: { name, org: P.orgs.A.name, roles: 'enterprise', password: 'carol-password-1' } })).status, 201);
  const t1 = await login(srv, name, 'carol-password-1');
  const t2 = await login(srv, name, 'carol-password-1');
  assert.equal((await req(srv, 'POST', '/auth/revoke', { token: P.users.bob.token, json: { principal: name } })).status, 404);
  const rv = await req(srv, 'POST', '/auth/revoke', { token: P.op, json: { principal: name } });
  assert.equal(rv.status, 200);
  assert.equal(rv.body.revoked, 2);
  assert.equal((await req(srv, 'GET', '/auth/me', { token: t1 })).status, 401);
  assert.equal((await req(srv, 'GET', '/auth/me', { token: t2 })).status, 401);
  const t3 = await login(srv, name, 'carol-password-1');
  assert.equal((await req(srv, 'PUT', '/auth/password', { token: t3, json: { password: 'short' } })).status, 400);
  assert.equal((await req(srv, 'PUT', '/auth/password', { token: t3, json: { password: 'carol-password-2' } })).status, 204);
  assert.equal((await req(srv, 'PUT', '/auth/password', { token: t3, json: { user: P.users.bob.name, password: 'bob-stolen-pw' } })).status, 404);
  await login(srv, name, 'carol-password-2');
  assert.equal((await req(srv, 'POST', `/users/${name}/disable`, { token: P.users.alice.token })).status, 403);
  assert.equal((await req(srv, 'POST', `/users/${name}/disable`, { token: P.op })).status, 200);
  assert.equal((await req(srv, 'GET', '/auth/me', { token: t3 })).status, 401, 'disabling revokes');
  assert.equal((await req(srv, 'POST', '/auth/login', { json: { name, password: 'carol-password-2' } })).status, 401);
  assert.equal((await req(srv, 'POST', `/users/${name}/enable`, { token: P.op })).status, 200);
  await login(srv, name, 'carol-password-2');
});

// (SQLite only: it edits the database file)
if (!PG) test('expired tokens are refused', async () => {
  const t = await login(srv, P.users.bob.name, P.users.bob.password);
  assert.equal((await req(srv, 'GET', '/auth/me', { token: t })).status, 200);
  execFileSync('python3', ['-c', `import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("UPDATE auth_token SET expires_at = 1 WHERE principal_id = ?", (sys.argv[2],)); c.commit()`, srv.db, P.users.bob.id]);
  assert.equal((await req(srv, 'GET', '/auth/me', { token: t })).status, 401);
  P.users.bob.token = await login(srv, P.users.bob.name, P.users.bob.password);
});

test('failed logins are rate-limited with Retry-After', async () => {
  const name = P.users.ver.name;
  let last;
  for (let i = 0; i < 8; i++) last = await req(srv, 'POST', '/auth/login', { json: { name, password: 'wrong-password-' + i } });
  assert.equal(last.status, 429, last.text);
  assert.ok(Number(last.headers.get('retry-after')) >= 1);
  const right = await req(srv, 'POST', '/auth/login', { json: { name, password: P.users.ver.password } });
  assert.equal(right.status, 429, 'even the right password waits');
});

test('the access log is JSON lines without secrets', async () => {
  const { readFileSync } = await import('node:fs');
  const lines = readFileSync(srv.dir + '/access.log', 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(lines.length > 50);
  for (const l of lines) for (const k of ['ts', 'method', 'path', 'status', 'ms', 'client']) assert.ok(k in l, k);
  const all = readFileSync(srv.dir + '/access.log', 'utf8');
  assert.ok(!all.includes(srv.password), 'no passwords');
  assert.ok(!/tjs_|tjt_|tjc_/.test(all), 'no tokens or secrets');
});

test('the ledger over HTTP: signed heads, proofs, entries by object; verify passes', async () => {
  const a = P.users.alice.token;
  const m = await req(srv, 'POST', '/models', { token: a, json: { model: exampleModel() } });
  assert.equal(m.status, 201);
  let head;
  for (let i = 0; i < 50; i++) {
    head = await req(srv, 'GET', '/ledger/head');
    assert.equal(head.status, 200, head.text);
    if (head.body.signed_head && head.body.signed_head.tree_size === head.body.tree_size) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(head.body.signed_head, 'the server signs heads');
  assert.match(head.body.public_key, /^[0-9a-f]{64}$/);
  const e = await req(srv, 'GET', `/ledger/entries?object_type=model&object_id=${m.body.id}`, { token: a });
  assert.equal(e.status, 200, e.text);
  assert.equal(e.body.entries.length, 1);
  assert.equal(e.body.entries[0].kind, 'model.create');
  assert.equal((await req(srv, 'GET', `/ledger/entries?object_type=model&object_id=${m.body.id}`, { token: P.users.bob.token })).status, 404);
  const idx = e.body.entries[0].index;
  const pr = await req(srv, 'GET', `/ledger/proof?index=${idx}`, { token: a });
  assert.equal(pr.status, 200, pr.text);
  const size = head.body.signed_head.tree_size;
  if (size > 2) {
    const c = await req(srv, 'GET', `/ledger/proof?from=1&to=${size}`);
    assert.ok([200, 404].includes(c.status), c.text); // 404: no head was signed at size 1
  }
  assert.equal((await req(srv, 'GET', '/ledger/proof')).status, 400);
  if (!PG) {
    const out = execFileSync(TANJI, ['ledger', 'verify', '--db', srv.db, '--format', 'json'], { encoding: 'utf8' });
    const rep = JSON.parse(out);
    assert.equal(rep.problems.length, 0, out);
    assert.ok(rep.entries > 20);
  }
});

test('tanji serve --print-routes lists the router', () => {
  const out = execFileSync(TANJI, ['serve', '--print-routes'], { encoding: 'utf8' });
  assert.match(out, /^GET \/api\/v1\/models\/\{id\}$/m);
});

test('tanji serve refuses bad settings, naming them, before it opens anything', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tanji-cfg-'));
  const db = join(dir, 'never.db');
  const bad = (args, key, re) => {
    const r = spawnSync(TANJI, ['serve', '--db', db, ...args], { encoding: 'utf8', timeout: 10000 });
    assert.notEqual(r.status, 0, `${args.join(' ')} must fail`);
    assert.match(r.stderr, new RegExp(key), r.stderr);
    if (re) assert.match(r.stderr, re, r.stderr);
  };
  bad(['--set', 'threads=0x4'], 'threads', /number from 0 to 256/);
  bad(['--set', 'threads=300'], 'threads', /number from 0 to 256/);
  bad(['--set', 'rate=nan'], 'rate');
  bad(['--set', 'sqlite_sync=sometimes'], 'sqlite_sync', /full or normal/);
  bad(['--set', 'sqlite_cache=4096'], 'sqlite_cache', /65536/);
  bad(['--set', 'sqlite_mmap=-1'], 'sqlite_mmap');
  bad(['--listen', '127.0.0.1'], 'listen', /ADDR:PORT/);
  bad(['--listen', '127.0.0.1:65536'], 'listen');
  bad(['--set', 'pact_listen=:8443'], 'pact_listen', /ADDR:PORT/);
  bad(['--set', 'no_such_key=1'], 'no_such_key', /unknown setting/);
  const cfg = join(dir, 'tanji.conf');
  writeFileSync(cfg, '# comment\nthreads = 2\nthis line has no equals sign\n');
  bad(['--config', cfg], 'tanji.conf', /3/);
  assert.equal(spawnSync('test', ['-e', db]).status, 1, 'no database was created');
});
