// kill -9 during writes loses nothing committed: every model creation that
// was answered 201 before the kill is there after a restart.  And two
// servers on one PostgreSQL database with concurrent writers: jobs run
// once, the ledger stays one consistent log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, req, seed, exampleModel, waitJob, PG, TANJI } from './lib.mjs';

test('kill -9 during writes loses nothing acknowledged', async () => {
  const s1 = await startServer({ keep: true });
  const P = await seed(s1);
  const acked = [];
  let stop = false;
  const writer = async (token) => {
    while (!stop) {
      try {
        const r = await req(s1, 'POST', '/models', { token, json: { model: exampleModel() } });
        if (r.status === 201) acked.push(r.body.id);
      } catch { return; } // the connection died with the server
    }
  };
  const ws = [writer(P.users.alice.token), writer(P.users.alice.token), writer(P.users.bob.token), writer(P.users.bob.token)];
  await new Promise((r) => setTimeout(r, 1500));
  s1.child.kill('SIGKILL');
  stop = true;
  await Promise.all(ws);
  assert.ok(acked.length > 10, `only ${acked.length} writes before the kill`);
  const s2 = await startServer({ db: s1.db, noAdmin: true });
  try {
    const a = await req(s2, 'POST', '/auth/login', { json: { name: s1.admin, password: s1.password } });
    assert.equal(a.status, 200);
    const all = new Set((await req(s2, 'GET', '/models?limit=1000', { token: a.body.token })).body.items.map((m) => m.id));
    const lost = acked.filter((id) => !all.has(id));
    assert.deepEqual(lost, [], `${lost.length} of ${acked.length} acknowledged models lost`);
  } finally { await s2.stop(); }
});

// (PostgreSQL only: api_pg runs it)
if (PG) test('two servers on one PostgreSQL database', async () => {
  const s1 = await startServer({ set: { job_workers: 2 } });
  const s2 = await startServer({ db: s1.db, noAdmin: true, set: { job_workers: 2 } });
  try {
    const P = await seed(s1);
    const m = await req(s2, 'POST', '/models', { token: P.users.alice.token, json: { model: exampleModel() } });
    assert.equal(m.status, 201);
    // concurrent writers on both nodes, and jobs that either node may claim
    const jobs = [];
    const writes = [];
    for (let i = 0; i < 40; i++) {
      const s = i % 2 ? s1 : s2;
      writes.push(req(s, 'POST', '/models', { token: i % 4 < 2 ? P.users.alice.token : P.users.bob.token, json: { model: exampleModel() } }));
      if (i % 4 === 0) jobs.push(req(s, 'POST', '/calculations', { token: P.users.alice.token, json: { model_id: m.body.id, save: true } }));
    }
    for (const w of await Promise.all(writes)) assert.equal(w.status, 201, w.text);
    const ids = (await Promise.all(jobs)).map((j) => j.body.id);
    const nodes = new Set();
    const fps = new Set();
    for (const id of ids) {
      const d = await waitJob(s1, P.users.alice.token, id);
      assert.equal(d.body.status, 'done', d.text);
      fps.add(d.body.result.footprint_id);
    }
    assert.equal(fps.size, ids.length, 'each job ran once and saved one footprint');
    const list = (await req(s1, 'GET', '/footprints?limit=1000', { token: P.users.alice.token })).body.items;
    assert.equal(list.filter((f) => fps.has(f.id)).length, ids.length);
    void nodes;
    // the ledger: one consistent log (tanji ledger verify, when this build has it)
    let help = '';
    try { help = execFileSync(TANJI, ['--help'], { encoding: 'utf8' }); } catch { /* */ }
    if (/\bledger\b/.test(help)) {
      const out = execFileSync(TANJI, ['ledger', 'verify', '--db', s1.db, '--format', 'json'], { encoding: 'utf8' });
      const rep = JSON.parse(out);
      assert.equal(rep.problems.length, 0, out);
    }
  } finally {
    await s2.stop();
    await s1.stop();
  }
});
