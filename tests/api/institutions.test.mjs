// The three institutions over HTTP (black box): a regulator registers a
// certification body, its key and the catalogue; an enterprise saves a
// footprint and applies; the body takes every step with evidence uploads and
// issues the label; an anonymous client reads and verifies it at the public
// routes, and `tanji label verify URL` checks it.  Then what must be refused:
// altered and forged labels, a role doing another's step, skipped steps, a
// listed entity applying, a product outside the body's scope, another
// organisation's private disclosure (404 as a missing one).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, req, seed, waitJob, uniq, login, SRC, TANJI } from './lib.mjs';

let srv, P;
const S = {}; // state shared by the steps (tests run in order)
before(async () => { srv = await startServer(); P = await seed(srv); });
after(async () => { if (srv) assert.equal(await srv.stop(), 0, srv.stderr.slice(-4000)); });

const certifiable = () => JSON.parse(readFileSync(join(SRC, 'tests/data/certifiable-aluminium.json'), 'utf8'));
const catalogue = () => JSON.parse(readFileSync(join(SRC, 'data/certification/catalogue-cn-2025.json'), 'utf8')).entries;

async function saveFootprint(token) {
  const j = await req(srv, 'POST', '/calculations', { token, json: { model: certifiable(), save: true, rule: 'tpl.cn.electrolytic_aluminium' } });
  assert.equal(j.status, 202, j.text);
  const d = await waitJob(srv, token, j.body.id);
  assert.equal(d.body.status, 'done', d.text);
  return d.body.result.footprint_id;
}

function verifyFile(doc, keyring, extra = []) {
  const f = join(srv.dir, uniq('label') + '.json'), k = join(srv.dir, uniq('keyring') + '.json');
  writeFileSync(f, JSON.stringify(doc));
  writeFileSync(k, JSON.stringify(keyring));
  return spawnSync(TANJI, ['label', 'verify', f, '--keyring', k, ...extra], { encoding: 'utf8' });
}

test('regulator: catalogue, body with scope, key', async () => {
  const reg = P.users.reg.token;
  const entries = catalogue();
  S.cat = entries.find((e) => e.category === 'electrolytic_aluminium');
  S.other = entries.find((e) => e.category !== 'electrolytic_aluminium');
  assert.ok(S.cat && S.other, 'the shipped catalogue has the aluminium entry');
  for (const e of [S.cat, S.other]) {
    const r = await req(srv, 'PUT', `/cert/catalogue/${e.category}`, { token: reg, json: e });
    assert.equal(r.status, 200, r.text);
  }
  const denied = await req(srv, 'PUT', `/cert/catalogue/${S.cat.category}`, { token: P.users.alice.token, json: S.cat });
  assert.equal(denied.status, 403, 'an enterprise edits no catalogue');
  const cl = await req(srv, 'GET', '/cert/catalogue');
  assert.equal(cl.status, 200);
  assert.ok(cl.body.items.some((e) => e.category === 'electrolytic_aluminium' && e.rule_id === 'tpl.cn.electrolytic_aluminium'));
  const one = await req(srv, 'GET', '/cert/catalogue/electrolytic_aluminium');
  assert.equal(one.status, 200, one.text);
  assert.equal(one.body.validity_months, 24);
  assert.equal((await req(srv, 'GET', '/cert/catalogue/no_such_product')).status, 404);

  const b = await req(srv, 'POST', '/cert/bodies', { token: reg, json: { org: P.orgs.V.name, accreditation: 'CNAS test', scope: ['electrolytic_aluminium'] } });
  assert.equal(b.status, 201, b.text);
  assert.equal((await req(srv, 'POST', '/cert/bodies', { token: P.users.ver.token, json: { org: P.orgs.V.name, scope: ['electrolytic_aluminium'] } })).status, 403);
  // a second body accredited for another category only
  const o2 = await req(srv, 'POST', '/organisations', { token: P.op, json: { name: uniq('body2'), kind: 'certification_body', region: '110000' } });
  assert.equal(o2.status, 201, o2.text);
  S.body2 = o2.body;
  assert.equal((await req(srv, 'POST', '/cert/bodies', { token: reg, json: { org: S.body2.name, scope: [S.other.category] } })).status, 201);

  // the body's key pair: made where the body keeps it
  const kf = join(srv.dir, 'body.key');
  const pub = execFileSync(TANJI, ['cert', 'key', 'new', kf], { encoding: 'utf8' }).trim();
  S.keyfile = JSON.parse(readFileSync(kf, 'utf8'));
  const k = await req(srv, 'POST', `/cert/bodies/${P.orgs.V.name}/keys`, { token: reg, json: { public_key: pub } });
  assert.equal(k.status, 201, k.text);
  assert.match(k.body.key_id, /^[0-9a-f]{16}$/);
  S.keyId = k.body.key_id;
  const bad = await req(srv, 'POST', `/cert/bodies/${P.orgs.V.name}/keys`, { token: reg, json: { public_key: 'zz' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.field, 'public_key');
  const bl = await req(srv, 'GET', '/cert/bodies');
  assert.equal(bl.status, 200);
  assert.ok(JSON.stringify(bl.body).includes(S.keyId));
  const kr = await req(srv, 'GET', '/public/keyring');
  assert.equal(kr.status, 200);
  assert.equal(kr.body.type, 'tanji-keyring/v1');
  S.keyring = kr.body;
});

test('enterprise applies; the body takes every step with evidence; the label is issued', async () => {
  const a = P.users.alice.token, v = P.users.ver.token;
  S.fp = await saveFootprint(a);
  const ap = await req(srv, 'POST', '/cert/applications', { token: a, json: { footprint_id: S.fp, body: P.orgs.V.name } });
  assert.equal(ap.status, 201, ap.text);
  assert.equal(ap.body.status, 'applied');
  const id = ap.body.id;
  S.app = id;
  // others do not see it
  assert.equal((await req(srv, 'GET', `/cert/applications/${id}`, { token: P.users.bob.token })).status, 404);
  assert.ok(!(await req(srv, 'GET', '/cert/applications', { token: P.users.bob.token })).body.items.some((x) => x.id === id));
  // the applicant takes no body step; nothing skips a step
  const wrong = await req(srv, 'POST', `/cert/applications/${id}/steps`, { token: a, json: { action: 'accept' } });
  assert.equal(wrong.status, 403, wrong.text);
  const skip = await req(srv, 'POST', `/cert/applications/${id}/steps`, { token: v, json: { action: 'inspect' } });
  assert.ok([400, 409].includes(skip.status), skip.text);
  assert.equal((await req(srv, 'POST', `/cert/applications/${id}/steps`, { token: v, json: { action: 'accept', comment: '受理' } })).status, 200);
  const c = await req(srv, 'POST', `/cert/applications/${id}/steps`, { token: a, json: { action: 'comment', comment: 'documents follow' } });
  assert.equal(c.status, 200, c.text);
  for (const step of ['plan', 'review_documents', 'inspect', 'verify', 'evaluate']) {
    const none = await req(srv, 'POST', `/cert/applications/${id}/steps`, { token: v, json: { action: step } });
    assert.ok(none.status >= 400 && none.status < 500, `${step} without evidence: ${none.text}`);
    const body = `${step} record / 记录`;
    const up = await req(srv, 'POST', `/cert/applications/${id}/documents?name=${step}.txt`, { token: v, body, type: 'text/plain' });
    assert.equal(up.status, 201, up.text);
    assert.match(up.body.sha256, /^[0-9a-f]{64}$/);
    S.doc = up.body.sha256;
    const json = { action: step, comment: 'done', due_at: '2030-01-01' };
    if (step === 'verify') {
      // the body recalculates with its own findings (refinery electricity 300 -> 330 kWh)
      const bad = await req(srv, 'POST', `/cert/applications/${id}/steps`, { token: v, json: { ...json, recalculation: { model: 'not a model' } } });
      assert.equal(bad.status, 400, bad.text);
      assert.equal(bad.body.field, 'recalculation');
      const m = certifiable();
      m.processes[0].exchanges[1].amount = 330;
      json.recalculation = { model: m };
    }
    const r = await req(srv, 'POST', `/cert/applications/${id}/steps`, { token: v, json });
    assert.equal(r.status, 200, r.text);
    if (step === 'verify') {
      assert.notEqual(r.body.footprint_id, S.fp, 'the recalculation is a new footprint');
      S.recalcFp = r.body.footprint_id;
    }
  }
  // a recalculation belongs to the verify step only
  const late = await req(srv, 'POST', `/cert/applications/${id}/steps`, { token: v, json: { action: 'comment', comment: 'x', recalculation: { model: certifiable() } } });
  assert.ok([400, 409].includes(late.status), late.text);
  // evidence: refused type and size limits, and read back by who sees the application
  const badType = await req(srv, 'POST', `/cert/applications/${id}/documents?name=x.exe`, { token: v, body: 'MZ', type: 'application/x-msdownload' });
  assert.ok([400, 415].includes(badType.status), badType.text);
  const lie = await req(srv, 'POST', `/cert/applications/${id}/documents?name=x.pdf`, { token: v, body: 'not a pdf', type: 'application/pdf' });
  assert.equal(lie.status, 400, 'bytes must look like their type');
  const back = await req(srv, 'GET', `/cert/applications/${id}/documents/${S.doc}`, { token: a });
  assert.equal(back.status, 200);
  assert.equal(back.text, 'evaluate record / 记录');
  assert.equal((await req(srv, 'GET', `/cert/applications/${id}/documents/${S.doc}`, { token: P.users.bob.token })).status, 404);
  // decide: without a key, with a malformed one, then with the body's key
  assert.ok((await req(srv, 'POST', `/cert/applications/${id}/steps`, { token: v, json: { action: 'decide' } })).status >= 400);
  const badKey = await req(srv, 'POST', `/cert/applications/${id}/steps`, { token: v, json: { action: 'decide', signing_key: { public_key: S.keyfile.public_key, secret_key: '00' } } });
  assert.equal(badKey.status, 400);
  assert.equal(badKey.body.field, 'signing_key');
  const d = await req(srv, 'POST', `/cert/applications/${id}/steps`, { token: v, json: { action: 'decide', signing_key: S.keyfile, public_url: srv.base } });
  assert.equal(d.status, 200, d.text);
  assert.equal(d.body.status, 'certified');
  assert.match(d.body.label_number, /^CN-530000-\d{4}-\d{6,}$/);
  S.num = d.body.label_number;
  const full = await req(srv, 'GET', `/cert/applications/${id}`, { token: P.users.reg.token });
  assert.equal(full.status, 200, 'the regulator sees applications');
  assert.equal(full.body.footprint_id, S.recalcFp, "the label certifies the body's recalculation");
  assert.ok(full.body.steps.length >= 8);
  assert.ok(full.body.evidence.length >= 5);
});

test('anonymous: the public label, its history, verification, graphic, registry', async () => {
  const l = await req(srv, 'GET', `/public/labels/${S.num}`);
  assert.equal(l.status, 200, l.text);
  assert.equal(l.body.type, 'tanji-label/v1');
  assert.equal(l.body.label.number, S.num);
  assert.equal(l.body.signature.key_id ?? l.body.label.key_id, S.keyId);
  assert.ok(Number.isInteger(l.body.ledger.index));
  S.doc = l.body;
  // the inclusion proof of its issue entry, once a signed head covers it (heads every 1 s here)
  let lp;
  for (let i = 0; i < 50; i++) {
    lp = await req(srv, 'GET', `/public/labels/${S.num}?proof=true`);
    assert.equal(lp.status, 200, lp.text);
    if (lp.body.ledger.proof_status === 'included') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(lp.body.ledger.proof_status, 'included', lp.text);
  assert.equal(lp.body.ledger.proof.index, l.body.ledger.index);
  const head = await req(srv, 'GET', '/ledger/head');
  S.ledgerKey = head.body.public_key;
  S.docProof = lp.body;
  const h = await req(srv, 'GET', `/public/labels/${S.num}/history`);
  assert.equal(h.status, 200);
  assert.equal(h.body.status, 'valid');
  assert.ok(h.body.history.length >= 1);
  const v = await req(srv, 'GET', `/public/labels/${S.num}/verify`);
  assert.equal(v.status, 200);
  assert.equal(v.body.ok, true, v.text);
  const svg = await req(srv, 'GET', `/public/labels/${S.num}/svg`);
  assert.equal(svg.status, 200);
  assert.match(svg.headers.get('content-type'), /image\/svg\+xml/);
  assert.ok(svg.text.includes(S.num));
  const png = await req(srv, 'GET', `/public/labels/${S.num}/png?scale=1`);
  assert.equal(png.status, 200);
  assert.equal(png.buf.subarray(1, 4).toString(), 'PNG');
  assert.equal((await req(srv, 'GET', `/public/labels/CN-530000-2000-999999`)).status, 404);
  const reg = await req(srv, 'GET', `/public/registry?category=electrolytic_aluminium&company=${encodeURIComponent(P.orgs.A.name)}&limit=5`);
  assert.equal(reg.status, 200, reg.text);
  assert.deepEqual(reg.body.items.map((x) => x.number), [S.num]);
  assert.equal(reg.body.more, false);
  assert.equal((await req(srv, 'GET', '/public/registry?limit=0')).status, 400);
  const cmp = await req(srv, 'GET', '/public/registry/compare?category=electrolytic_aluminium');
  assert.equal(cmp.status, 200, cmp.text);
  assert.ok(cmp.body.labels.some((x) => x.number === S.num));
  const st = await req(srv, 'GET', '/public/grades/stats?category=electrolytic_aluminium');
  assert.equal(st.status, 200, st.text);
  assert.ok(st.body.items.reduce((n, x) => n + x.n, 0) >= 1, st.text);
  // offline from the document and the public keyring; and online from its URL
  const ok = verifyFile(S.doc, S.keyring);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  const okp = verifyFile(S.docProof, S.keyring, ['--ledger-key', S.ledgerKey]);
  assert.equal(okp.status, 0, okp.stdout + okp.stderr);
  assert.match(okp.stdout, /"ledger_proof": "ok"/);
  const url = spawnSync(TANJI, ['label', 'verify', `${srv.api}/public/labels/${S.num}`, '--ledger-key', S.ledgerKey], { encoding: 'utf8' });
  assert.equal(url.status, 0, url.stdout + url.stderr);
  assert.match(url.stdout, /"ledger_proof": "ok"/);
  assert.match(url.stdout, /"registry"/);
  const nf = spawnSync(TANJI, ['label', 'verify', `${srv.api}/public/labels/CN-530000-2000-999999`], { encoding: 'utf8' });
  assert.notEqual(nf.status, 0);
  // https is fetched too (libcurl): an unreachable host is a clear transport error; other schemes are refused
  const tls = spawnSync(TANJI, ['label', 'verify', `https://example.invalid/api/v1/public/labels/${S.num}`], { encoding: 'utf8' });
  assert.notEqual(tls.status, 0, tls.stderr);
  assert.match(tls.stderr, /example\.invalid.*(resolve|host)/i);
  const ftp = spawnSync(TANJI, ['label', 'verify', `ftp://127.0.0.1/labels/${S.num}`], { encoding: 'utf8' });
  assert.notEqual(ftp.status, 0, ftp.stderr);
  assert.match(ftp.stderr, /not an http:\/\/ or https:\/\/ URL/);
});

test('refused: altered and forged labels', async () => {
  const altered = structuredClone(S.doc);
  altered.label.value = altered.label.value / 2;
  assert.equal(verifyFile(altered, S.keyring).status, 6, 'one field changed');
  const renamed = structuredClone(S.doc);
  renamed.label.holder = 'someone else';
  assert.equal(verifyFile(renamed, S.keyring).status, 6);
  // a label whose inclusion proof is for another entry
  const swapped = structuredClone(S.docProof);
  swapped.ledger.proof.index = 0;
  assert.equal(verifyFile(swapped, S.keyring, ['--ledger-key', S.ledgerKey]).status, 6, 'a proof that does not hold');
  // signed by a key the regulator never registered
  const kf = join(srv.dir, 'rogue.key');
  const pub = execFileSync(TANJI, ['cert', 'key', 'new', kf], { encoding: 'utf8' }).trim();
  const forged = structuredClone(S.doc);
  forged.label.key_id = 'ffffffffffffffff';
  const r = verifyFile(forged, S.keyring);
  assert.equal(r.status, 6, 'an unregistered key id');
  assert.equal(verifyFile(S.doc, { public_key: pub }).status, 6, 'the wrong public key');
});

test('label lifecycle over HTTP: roles, suspend, verify, reinstate, surveillance', async () => {
  const v = P.users.ver.token;
  assert.equal((await req(srv, 'POST', `/labels/${S.num}/suspend`, { token: P.users.alice.token, json: { reason: 'x' } })).status, 403);
  const s = await req(srv, 'POST', `/labels/${S.num}/suspend`, { token: v, json: { reason: 'findings / 发现问题' } });
  assert.equal(s.status, 200, s.text);
  assert.equal(s.body.status, 'suspended');
  assert.equal((await req(srv, 'GET', `/public/labels/${S.num}/verify`)).body.ok, false);
  assert.equal((await req(srv, 'POST', `/labels/${S.num}/reinstate`, { token: v, json: {} })).status, 200);
  const sv = await req(srv, 'POST', `/labels/${S.num}/surveillance`, { token: v, json: { due_at: '2099-01-01' } });
  assert.equal(sv.status, 201, sv.text);
  const res = await req(srv, 'POST', `/labels/${S.num}/surveillance/${sv.body.seq}`, { token: v, json: { result: 'passed', comment: 'ok' } });
  assert.equal(res.status, 200, res.text);
  const own = await req(srv, 'GET', '/labels', { token: P.users.alice.token });
  assert.ok(own.body.items.some((x) => x.number === S.num));
  const hist = await req(srv, 'GET', `/public/labels/${S.num}/history`);
  assert.ok(hist.body.history.length >= 4, hist.text);
  const esg = await req(srv, 'GET', `/public/esg/${P.orgs.A.id}?format=csv&lang=en`);
  assert.equal(esg.status, 200, esg.text);
  assert.ok(esg.text.includes(S.num));
});

test('refused: listed entity, product outside scope', async () => {
  const b = P.users.bob.token;
  const fpb = await saveFootprint(b);
  const out = await req(srv, 'POST', '/cert/applications', { token: b, json: { footprint_id: fpb, body: S.body2.name } });
  assert.ok([400, 403, 409].includes(out.status), 'outside the body\'s scope: ' + out.text);
  assert.match(out.body.message, /scope|范围/);
  const l = await req(srv, 'POST', '/cert/dishonest', { token: P.users.reg.token, json: { org: P.orgs.B.name, reason: 'falsified data', legal_basis: 'test basis' } });
  assert.equal(l.status, 201, l.text);
  const pub = await req(srv, 'GET', '/public/dishonest');
  assert.equal(pub.status, 200);
  assert.ok(JSON.stringify(pub.body).includes(P.orgs.B.id));
  const ap = await req(srv, 'POST', '/cert/applications', { token: b, json: { footprint_id: fpb, body: P.orgs.V.name } });
  assert.ok(ap.status === 403 || ap.status === 409, ap.text);
  assert.match(ap.body.message, /dishonest|失信/);
  const rm = await req(srv, 'POST', `/cert/dishonest/${l.body.id}/remove`, { token: P.users.reg.token, json: { reason: 'period ended' } });
  assert.equal(rm.status, 200, rm.text);
});

test('grading: a threshold benchmark grades the label', async () => {
  const reg = P.users.reg.token;
  const bad = await req(srv, 'POST', '/grading/benchmarks', { token: P.users.alice.token, json: { category: 'electrolytic_aluminium', method: 'percentile' } });
  assert.equal(bad.status, 403);
  const value = S.doc.label.value;
  const g = await req(srv, 'POST', '/grading/benchmarks', { token: reg, json: { category: 'electrolytic_aluminium', method: 'thresholds', grades: 3, thresholds: [value / 2, value * 2] } });
  assert.equal(g.status, 201, g.text);
  const l = await req(srv, 'GET', `/public/labels/${S.num}/history`);
  assert.equal(l.body.grade, 2, l.text);
  const list = await req(srv, 'GET', '/grading/benchmarks?category=electrolytic_aluminium');
  assert.equal(list.status, 200);
  assert.ok(list.body.items.length >= 1);
});

test('disclosure: public, partners, private; withdraw; the older publish route is a public disclosure', async () => {
  const a = P.users.alice.token, b = P.users.bob.token;
  const priv = await req(srv, 'POST', '/disclosures', { token: a, json: { footprint_id: S.fp, scope: 'private' } });
  assert.equal(priv.status, 201, priv.text);
  const missing = await req(srv, 'GET', '/disclosures/00000000-0000-4000-8000-000000000000', { token: b });
  for (const [who, t] of [['bob', b], ['anonymous', undefined], ['verifier', P.users.ver.token]]) {
    const r = await req(srv, 'GET', `/disclosures/${priv.body.id}`, { token: t });
    assert.equal(r.status, 404, who);
    assert.equal(r.body.message.replace(priv.body.id, 'ID'), missing.body.message.replace('00000000-0000-4000-8000-000000000000', 'ID'));
  }
  assert.equal((await req(srv, 'POST', `/disclosures/${priv.body.id}/withdraw`, { token: b, json: {} })).status, 404);
  const part = await req(srv, 'POST', '/disclosures', { token: a, json: { footprint_id: S.fp, scope: 'partners', partners: [P.orgs.B.name], fields: ['stages'] } });
  assert.equal(part.status, 201, part.text);
  const seen = await req(srv, 'GET', `/disclosures/${part.body.id}`, { token: b });
  assert.equal(seen.status, 200, 'a named partner reads it');
  assert.ok(seen.body.footprint.disclosed_details.stages, 'the chosen field');
  assert.ok(!('processes' in seen.body.footprint.disclosed_details), 'and no other');
  assert.equal((await req(srv, 'GET', `/disclosures/${part.body.id}`)).status, 404);
  const bad = await req(srv, 'POST', '/disclosures', { token: a, json: { footprint_id: S.fp, scope: 'public', fields: ['passwords'] } });
  assert.equal(bad.status, 400);
  // the older route: publishing is a public disclosure
  const p = await req(srv, 'POST', `/footprints/${S.fp}/publish`, { token: a });
  assert.equal(p.status, 200, p.text);
  assert.equal((await req(srv, 'POST', `/footprints/${S.fp}/publish`, { token: a })).status, 409);
  const pf = await req(srv, 'GET', `/public/footprints/${S.fp}`);
  assert.equal(pf.status, 200, pf.text);
  assert.equal(pf.body.id, S.fp);
  assert.ok(!('model' in pf.body), 'no business secret leaves without being chosen');
  const mine = await req(srv, 'GET', '/disclosures', { token: a });
  const pubd = mine.body.items.find((x) => x.scope === 'public' && x.footprint.id === S.fp && x.status === 'published');
  assert.ok(pubd, 'the publication is listed as a public disclosure');
  assert.ok((await req(srv, 'GET', '/public/disclosures')).body.items.some((x) => x.id === pubd.id));
  const w = await req(srv, 'POST', `/disclosures/${pubd.id}/withdraw`, { token: a, json: { reason: 'superseded' } });
  assert.equal(w.status, 200, w.text);
  assert.equal(w.body.status, 'withdrawn');
  const gone = await req(srv, 'GET', `/disclosures/${pubd.id}`);
  assert.equal(gone.status, 200, 'the withdrawal is public');
  assert.equal(gone.body.status, 'withdrawn');
  assert.ok(!gone.body.footprint, 'without content');
  const re = await req(srv, 'POST', `/footprints/${S.fp}/publish`, { token: a });
  assert.equal(re.status, 200, 'a withdrawn footprint can be published again');
  const led = await req(srv, 'GET', `/ledger/entries?object_type=disclosure&object_id=${pubd.id}`, { token: a });
  assert.equal(led.status, 200, led.text);
  assert.deepEqual(led.body.entries.map((e) => e.kind), ['disclosure.publish', 'disclosure.withdraw']);
  assert.equal((await req(srv, 'GET', `/ledger/entries?object_type=disclosure&object_id=${priv.body.id}`, { token: b })).status, 404);
});

test('the ledger verifies after all of it', async () => {
  const r = spawnSync(TANJI, ['ledger', 'verify', '--db', srv.db], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  void login;
});
