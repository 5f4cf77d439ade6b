// The application scenarios through the JSON API (black box): a label certified
// with the command line on the server's database, then 碳普惠 purchases credited once,
// a bank refused without consent and served with it, a tender's CSV evaluation, and a
// revoked label crediting nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, req, seed, login, uniq, TANJI, SRC, PG } from './lib.mjs';

let srv, P, label, tok = {};
const cli = (...args) => execFileSync(TANJI, [...args, '--db', srv.db], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

before(async () => {
  srv = await startServer();
  P = await seed(srv);
  const pw = 'user-password-123';
  for (const key of ['bank', 'shop']) {
    const name = uniq(key);
    const made = await req(srv, 'POST', '/organisations', { token: P.op, json: { name, kind: 'enterprise', region: '530100' } });
    assert.equal(made.status, 201, made.text);
    P.orgs[key] = { name, id: made.body.id };
    const u = uniq(key + 'user');
    assert.equal((await req(srv, 'POST', '/users', { token: P.op, json: { name: u, org: name, roles: 'enterprise', password: pw } })).status, 201);
    tok[key] = await login(srv, u, pw);
  }
  for (const [org, role] of [['bank', 'bank'], ['shop', 'platform'], ['B', 'buyer']]) {
    const r = await req(srv, 'POST', '/apps/roles', { token: P.op, json: { org: P.orgs[org].name, role } });
    assert.equal(r.status, 200, r.text);
  }
  assert.equal((await req(srv, 'POST', '/apps/roles', { token: P.users.alice.token, json: { org: P.orgs.A.name, role: 'bank' } })).status, 403);
  // a label, certified with the command line
  const reg = P.users.reg.name, ver = P.users.ver.name, alice = P.users.alice.name;
  cli('cert', 'catalogue', 'import', join(SRC, 'data/certification/catalogue-cn-2025.json'), '--as', reg);
  cli('cert', 'body', 'register', P.orgs.V.name, '--scope', 'electrolytic_aluminium', '--as', reg);
  const keyFile = join(srv.dir, 'body.key'), pubFile = join(srv.dir, 'body.pub');
  writeFileSync(pubFile, cli('cert', 'key', 'new', keyFile) + '\n');
  cli('cert', 'key', 'add', P.orgs.V.name, '--public-key', pubFile, '--as', reg);
  const fp = JSON.parse(cli('calc', join(SRC, 'tests/data/certifiable-aluminium.json'), '--save', '--rule',
    'tpl.cn.electrolytic_aluminium', '--as', alice, '--format', 'json')).footprint_id;
  const app = cli('cert', 'apply', fp, '--body', P.orgs.V.name, '--as', alice);
  cli('cert', 'step', app, 'accept', '--as', ver);
  for (const s of ['plan', 'review_documents', 'inspect', 'verify', 'evaluate']) {
    const doc = join(srv.dir, s + '.txt');
    writeFileSync(doc, s + ' record\n');
    cli('cert', 'doc', app, doc, '--type', 'text/plain', '--as', ver);
    cli('cert', 'step', app, s, '--comment', 'done', '--as', ver);
  }
  label = cli('cert', 'step', app, 'decide', '--key', keyFile, '--as', ver).replace(/.*label /, '');
  assert.match(label, /^CN-530000-\d{4}-\d{6}$/);
});
after(async () => { if (srv) assert.equal(await srv.stop(), 0); });

test('green finance: no consent, no reading; with consent the labels verified', async () => {
  const path = '/finance/borrowers/' + P.orgs.A.id;
  const no = await req(srv, 'GET', path, { token: tok.bank });
  assert.equal(no.status, 403, no.text);
  const c = await req(srv, 'POST', '/finance/consents', { token: P.users.alice.token, json: { bank: P.orgs.bank.name } });
  assert.equal(c.status, 200, c.text);
  const yes = await req(srv, 'GET', path, { token: tok.bank });
  assert.equal(yes.status, 200, yes.text);
  assert.equal(yes.body.labels[0].number, label);
  assert.equal(yes.body.labels[0].ok, true);
  const p = await req(srv, 'POST', '/finance/positions', { token: tok.bank, json: { borrower: P.orgs.A.name, label, amount: 5000000, as_of: '2026-06-30' } });
  assert.equal(p.status, 200, p.text);
  const csv = await req(srv, 'GET', '/finance/portfolio?format=csv', { token: tok.bank });
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type'), /text\/csv/);
  assert.ok(csv.text.includes(label) && csv.text.includes('5000000'), csv.text);
  // the consent's ledger entries: the borrower's own, the regulator's; never another
  // organisation's, not even a certification body's (verifier role)
  const q = `/ledger/entries?object_type=fin_consent&object_id=${encodeURIComponent(P.orgs.A.id + '/' + P.orgs.bank.id)}`;
  const mine = await req(srv, 'GET', q, { token: P.users.alice.token });
  assert.equal(mine.status, 200, mine.text);
  assert.equal(mine.body.entries[0].kind, 'finance.consent');
  assert.equal((await req(srv, 'GET', q, { token: P.users.reg.token })).status, 200);
  for (const who of [P.users.ver.token, P.users.bob.token]) {
    const other = await req(srv, 'GET', q, { token: who });
    assert.equal(other.status, 404, other.text);
  }
});

test('green procurement: requirement, offer, CSV evaluation', async () => {
  const r = await req(srv, 'POST', '/procurement/requirements', { token: P.users.bob.token, json: {
    title: 'aluminium', category: 'electrolytic_aluminium', declared_unit: 'kg', max_value: 20, label_required: true,
    primary_weight: 0.3, deadline: '2099-01-01' } });
  assert.equal(r.status, 201, r.text);
  const notBuyer = await req(srv, 'POST', '/procurement/requirements', { token: P.users.alice.token, json: { title: 'x', category: 'electrolytic_aluminium', declared_unit: 'kg', max_value: 1, deadline: '2099-01-01' } });
  assert.equal(notBuyer.status, 403);
  const o = await req(srv, 'POST', `/procurement/requirements/${r.body.id}/offers`, { token: P.users.alice.token, json: { product: 'primary aluminium', label } });
  assert.equal(o.status, 201, o.text);
  assert.equal(o.body.check.pass, true);
  const ev = await req(srv, 'GET', `/procurement/requirements/${r.body.id}/evaluation?format=csv`, { token: P.users.bob.token });
  assert.equal(ev.status, 200);
  assert.ok(ev.text.split('\r\n')[1].startsWith('1,'), ev.text);
  assert.equal((await req(srv, 'GET', `/procurement/requirements/${r.body.id}/evaluation`, { token: P.users.alice.token })).status, 403);
});

// The id of the PACT footprint tanji made of a footprint (test helper: read
// from the server's database, SQLite or PostgreSQL).
function pactIdOf(footprintId) {
  const sql = `SELECT id FROM pact_footprint WHERE footprint_id = '${footprintId.replace(/'/g, "''")}'`;
  const out = PG ? execFileSync('psql', [srv.db, '-tAc', sql], { encoding: 'utf8' })
    : execFileSync('python3', ['-c', 'import sqlite3,sys; r=sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone(); print(r[0] if r else "")', srv.db, sql], { encoding: 'utf8' });
  return out.trim();
}

test('green procurement with PACT footprints: published to the buyer, checked, refused when deprecated, expired, in the wrong unit or not the supplier\'s', async () => {
  const alice = P.users.alice.name;
  const calc = (...extra) => JSON.parse(cli('calc', join(SRC, 'tests/data/certifiable-aluminium.json'), '--save', '--rule',
    'tpl.cn.electrolytic_aluminium', '--as', alice, '--format', 'json', ...extra)).footprint_id;
  const share = async (fp, attrs) => {
    const d = await req(srv, 'POST', '/disclosures', { token: P.users.alice.token, json: { footprint_id: fp, scope: 'partners', partners: [P.orgs.B.name] } });
    assert.equal(d.status, 201, d.text);
    const a = await req(srv, 'PUT', `/pact/footprints/${fp}/attributes`, { token: P.users.alice.token, json: { productIds: ['urn:pact:tanji-test:' + uniq('p')], fossilCarbonContent: '0', ...attrs } });
    assert.equal(a.status, 200, a.text);
    const id = pactIdOf(fp);
    assert.match(id, /^[0-9a-f-]{36}$/, 'no PACT footprint for ' + fp);
    return id;
  };
  const fp1 = calc(), pf1 = await share(fp1, {});
  const fpOld = calc(), pfOld = await share(fpOld, { validityPeriodStart: '2020-01-01T00:00:00Z', validityPeriodEnd: '2021-01-01T00:00:00Z' });
  const fpDep = calc(), pfDep = await share(fpDep, {});
  await share(calc('--replaces', fpDep), {}); // the replacement deprecates pfDep
  const require = async (unit) => {
    const r = await req(srv, 'POST', '/procurement/requirements', { token: P.users.bob.token, json: {
      title: 'aluminium (PACT)', category: 'electrolytic_aluminium', declared_unit: unit, max_value: 20, primary_weight: 0.5, deadline: '2099-01-01' } });
    assert.equal(r.status, 201, r.text);
    return r.body.id;
  };
  const req1 = await require('kg');
  const offer = (id, token, product, pact) => req(srv, 'POST', `/procurement/requirements/${id}/offers`, { token, json: { product, pact } });
  for (const [pact, token, why] of [
    [pfDep, P.users.alice.token, /Deprecated/],
    [pfOld, P.users.alice.token, /validity period ended/],
    [pf1, tok.shop, /not the supplier's/],
    ['3f0c1e4a-8d7b-4c2a-9e1f-5a6b7c8d9e0f', P.users.alice.token, /not available to the buyer/],
  ]) {
    const r = await offer(req1, token, 'ingot ' + uniq('x'), pact);
    assert.equal(r.status, 409, r.text);
    assert.match(r.body.message, why);
  }
  const kwh = await require('kWh');
  const wrong = await offer(kwh, P.users.alice.token, 'ingot', pf1);
  assert.equal(wrong.status, 409, wrong.text);
  assert.match(wrong.body.message, /declared unit/);
  const o = await offer(req1, P.users.alice.token, 'primary aluminium ingot', pf1.toUpperCase());
  assert.equal(o.status, 201, o.text);
  assert.equal(o.body.check.pass, true, o.text);
  assert.equal(o.body.check.pact, pf1);
  assert.equal(o.body.check.pact_footprint.source, 'tanji');
  assert.equal(o.body.check.pact_footprint.value_basis, 'pcfIncludingBiogenicUptake');
  assert.ok(o.body.check.value > 0 && o.body.check.value < 20, o.text);
  const ev = await req(srv, 'GET', `/procurement/requirements/${req1}/evaluation?format=csv`, { token: P.users.bob.token });
  assert.equal(ev.status, 200);
  const [head, row] = ev.text.split('\r\n');
  assert.ok(head.includes('pact PACT碳足迹'), head);
  assert.ok(row.startsWith('1,') && row.includes(pf1) && row.includes('Active'), ev.text);
  // the supply chain of the footprint: every input with a factor, generic here (no supplier footprint)
  const sc = await req(srv, 'GET', `/supply-chain/${fp1}`, { token: P.users.alice.token });
  assert.equal(sc.status, 200, sc.text);
  assert.ok(sc.body.inputs.length >= 3, sc.text);
  assert.ok(sc.body.inputs.every((i) => i.primary === false && i.generic_factor && i.share > 0), sc.text);
  const sum = sc.body.inputs.reduce((a, i) => a + i.share, 0);
  assert.ok(Math.abs(sum - sc.body.generic_inputs_share) < 1e-9 && sum < 1, sc.text);
  assert.equal(sc.body.supplier_inputs_share, 0);
});

test('碳普惠: a purchase credited once; a revoked label credits nothing; the public registry', async () => {
  const id = uniq('alu');
  const m = await req(srv, 'POST', '/inclusion/methodologies', { token: P.users.reg.token, json: {
    id, name: '低碳铝', category: 'electrolytic_aluminium', declared_unit: 'kg', scope: 's', applicability: 'a',
    baseline: { kind: 'benchmark', value: 15, source: 'test figure, not official' } } });
  assert.equal(m.status, 201, m.text);
  const buy = { purchases: [{ purchase_id: 'order-1', participant: 'u1', region: '530100', methodology: id, label, quantity: 2 }] };
  const r1 = await req(srv, 'POST', '/inclusion/purchases', { token: tok.shop, json: buy });
  assert.equal(r1.status, 200, r1.text);
  assert.equal(r1.body.credited, 1);
  const g = r1.body.results[0].reduction_g;
  assert.ok(Number.isInteger(g) && g > 0);
  const r2 = await req(srv, 'POST', '/inclusion/purchases', { token: tok.shop, json: buy });
  assert.equal(r2.body.credited, 0);
  assert.match(r2.body.results[0].reason, /reported before/);
  const acc = await req(srv, 'GET', '/inclusion/accounts/u1', { token: tok.shop });
  assert.equal(acc.body.balance, g);
  assert.equal((await req(srv, 'POST', '/inclusion/purchases', { token: P.users.alice.token, json: buy })).status, 403);
  cli('label', 'revoke', label, '--reason', 'test revocation', '--as', P.users.ver.name);
  buy.purchases[0].purchase_id = 'order-2';
  const r3 = await req(srv, 'POST', '/inclusion/purchases', { token: tok.shop, json: buy });
  assert.equal(r3.body.credited, 0);
  assert.match(r3.body.results[0].reason, /credits nothing/);
  assert.equal((await req(srv, 'GET', '/inclusion/accounts/u1', { token: tok.shop })).body.balance, g);
  const reg = await req(srv, 'GET', '/inclusion/registry');
  assert.equal(reg.status, 200);
  const row = reg.body.by_methodology_region.find((x) => x.methodology === id);
  assert.equal(row.credited_g, g);
});
