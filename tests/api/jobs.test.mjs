// Inventory calculations as server jobs: POST /calculations with
// {"inventory": {"all": true}} calculates every product of the imported
// openLCA database (tanji calc --db --all) with progress and cancel.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, req, login, waitJob, TANJI, SRC, PG } from './lib.mjs';

const USLCI = join(SRC, 'data', 'lci', 'uslci_olca1_5_0_json_ld.zip');
let srv, op;
before(async () => {
  srv = await startServer({ set: { job_workers: 1 } });
  op = await login(srv, srv.admin, srv.password);
});
after(async () => { if (srv) assert.equal(await srv.stop(), 0); });

function cliAll(extra = []) {
  const out = execFileSync(TANJI, ['calc', '--db', srv.db, '--all', '--format', 'json', '--quiet', ...extra], { maxBuffer: 1 << 28 });
  return JSON.parse(out.toString()).products;
}

test('inventory job: parameters are checked', async () => {
  for (const json of [{ inventory: true }, { inventory: { all: false } }, { inventory: { all: true, gwp: 'AR9' } },
    { inventory: { all: true, allocation: 'magic' } }, { inventory: { all: true, x: 1 } },
    { inventory: { all: true }, model_id: 'x' }]) {
    const r = await req(srv, 'POST', '/calculations', { token: op, json });
    assert.equal(r.status, 400, JSON.stringify(json) + ' ' + r.text);
  }
  const anon = await req(srv, 'POST', '/calculations', { json: { inventory: { all: true } } });
  assert.equal(anon.status, 401);
});

// (SQLite only: the shared PostgreSQL database may hold other openLCA data)
if (!PG) test('inventory job: every product of the hand-made fixture, as the CLI calculates them', async () => {
  execFileSync(TANJI, ['import', 'olca', join(SRC, 'tests', 'data', 'olca', 'v1'), '--db', srv.db, '--quiet'], { stdio: 'pipe' });
  const s = await req(srv, 'POST', '/calculations', { token: op, json: { inventory: { all: true, allocation: 'none' } } });
  assert.equal(s.status, 202, s.text);
  const j = await waitJob(srv, op, s.body.id);
  assert.equal(j.body.status, 'done', j.text);
  assert.equal(j.body.progress, 1);
  const rows = j.body.result.rows;
  assert.equal(j.body.result.products, 5);
  assert.equal(rows.length, 5);
  const cli = cliAll(['--allocation', 'none']);
  const byId = new Map(cli.map((r) => [r.id, r]));
  for (const r of rows) {
    assert.ok(byId.has(r.id), r.id);
    assert.ok(Math.abs(r.total - byId.get(r.id).total) <= 1e-9 * Math.max(1, Math.abs(r.total)), `${r.id}: ${r.total}`);
  }
});

// (SQLite only, for test time; a missing data file is a skip, which the driver reports to ctest)
if (!PG) test('inventory job: USLCI --all with progress, and cancel (queued and running)', { skip: !existsSync(USLCI) ? 'data/lci/uslci_olca1_5_0_json_ld.zip is missing' : false }, async () => {
  execFileSync(TANJI, ['import', 'olca', USLCI, '--db', srv.db, '--quiet'], { stdio: 'pipe' });
  // a queued job cancelled before it runs
  const a = await req(srv, 'POST', '/calculations', { token: op, json: { inventory: { all: true } } });
  const b = await req(srv, 'POST', '/calculations', { token: op, json: { inventory: { all: true } } });
  assert.equal(a.status, 202);
  assert.equal(b.status, 202);
  const cb = await req(srv, 'POST', `/calculations/${b.body.id}/cancel`, { token: op });
  assert.ok([200, 202].includes(cb.status), cb.text);
  // the first: progress is reported while it runs
  const seen = new Set();
  let last;
  for (let i = 0; i < 2000; i++) {
    last = await req(srv, 'GET', `/calculations/${a.body.id}`, { token: op });
    seen.add(last.body.progress);
    if (['done', 'failed', 'cancelled'].includes(last.body.status)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(last.body.status, 'done', last.text);
  assert.ok([...seen].some((p) => p > 0 && p < 1), 'progress between 0 and 1 was reported: ' + [...seen]);
  const cli = cliAll();
  assert.equal(last.body.result.products, cli.length);
  assert.equal(last.body.result.rows.length, cli.length);
  assert.ok(cli.length >= 766, 'USLCI has 766 processes');
  const jb = await waitJob(srv, op, b.body.id);
  assert.equal(jb.body.status, 'cancelled');
  assert.equal(jb.body.result ?? null, null);
  // a running job cancelled: it stops at its next progress report
  const c = await req(srv, 'POST', '/calculations', { token: op, json: { inventory: { all: true } } });
  for (let i = 0; i < 2000; i++) {
    const r = await req(srv, 'GET', `/calculations/${c.body.id}`, { token: op });
    if (r.body.status !== 'queued') break;
    await new Promise((res) => setTimeout(res, 5));
  }
  await req(srv, 'POST', `/calculations/${c.body.id}/cancel`, { token: op });
  const jc = await waitJob(srv, op, c.body.id);
  // a run that finished before the cancel arrived is done; otherwise cancelled, without a result
  assert.ok(['cancelled', 'done'].includes(jc.body.status), jc.text);
  if (jc.body.status === 'cancelled') {
    assert.equal(jc.body.result ?? null, null);
    assert.ok(jc.body.progress < 1);
  }
});
