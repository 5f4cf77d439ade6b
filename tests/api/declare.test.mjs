// Battery declarations and the CBAM communication over the JSON API (black box).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, req, seed, SRC } from './lib.mjs';

let srv, P;
before(async () => { srv = await startServer(); P = await seed(srv); });
after(async () => { if (srv) assert.equal(await srv.stop(), 0); });

const ex = (p) => JSON.parse(readFileSync(join(SRC, 'examples', p), 'utf8'));

test('battery: both schemes from one calculation, JSON and PDF', async () => {
  const body = { model: ex('battery/pack-model.json'), battery: ex('battery/pack.json') };
  const r = await req(srv, 'POST', '/declarations/battery', { token: P.users.alice.token, json: body });
  assert.equal(r.status, 200, r.text);
  // hand-worked: 4422.55 kg CO2e per pack / (57 kWh x 3000 cycles)
  assert.ok(Math.abs(r.body.miit.kg_co2e_per_kwh - 4422.55 / 171000) < 1e-12);
  assert.equal(r.body.eu.kg_co2e_per_kwh, r.body.miit.kg_co2e_per_kwh);
  assert.equal(r.body.eu.delegated_act.final, false);
  const pdf = await req(srv, 'POST', '/declarations/battery?format=pdf', { token: P.users.alice.token, json: body });
  assert.equal(pdf.status, 200);
  assert.equal(pdf.headers.get('content-type'), 'application/pdf');
  assert.equal(pdf.buf.subarray(0, 5).toString(), '%PDF-');
});

test('battery: missing energy data is a 400 naming the field; anonymous 401; wrong role 403', async () => {
  const b = ex('battery/pack.json');
  delete b.total_energy;
  const r = await req(srv, 'POST', '/declarations/battery', { token: P.users.alice.token, json: { model: ex('battery/pack-model.json'), battery: b } });
  assert.equal(r.status, 400, r.text);
  assert.equal(r.body.field, 'total_energy');
  const anon = await req(srv, 'POST', '/declarations/battery', { json: { model: {}, battery: {} } });
  assert.equal(anon.status, 401);
  const rev = await req(srv, 'POST', '/declarations/cbam', { token: P.users.rev.token, json: ex('cbam/steel-works.json') });
  assert.equal(rev.status, 403, rev.text);
});

test('cbam: communication as JSON and .xlsx; a bad CN code names its path', async () => {
  const c = ex('cbam/steel-works.json');
  const r = await req(srv, 'POST', '/declarations/cbam', { token: P.users.alice.token, json: c });
  assert.equal(r.status, 200, r.text);
  const hrc = r.body.goods.find((g) => g.id === 'hot-rolled-coil');
  assert.ok(Math.abs(hrc.see_direct - 1524 / 900) < 1e-12);
  const x = await req(srv, 'POST', '/declarations/cbam?format=xlsx', { token: P.users.alice.token, json: c });
  assert.equal(x.status, 200);
  assert.equal(x.buf.subarray(0, 2).toString(), 'PK');
  c.goods[2].cn_code = '7208-51-20';
  const bad = await req(srv, 'POST', '/declarations/cbam', { token: P.users.alice.token, json: c });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.field, 'goods[2].cn_code');
});

test('save: 201 with an id, a ledger entry; listed and read by its organisation only', async () => {
  const c = ex('cbam/steel-works.json');
  const r = await req(srv, 'POST', '/declarations/cbam?save=1', { token: P.users.alice.token, json: c });
  assert.equal(r.status, 201, r.text);
  assert.match(r.body.id, /^[0-9a-f-]{36}$/);
  const got = await req(srv, 'GET', `/declarations/${r.body.id}`, { token: P.users.alice.token });
  assert.equal(got.status, 200);
  assert.equal(got.body.kind, 'cbam');
  assert.equal(got.body.org_id, P.orgs.A.id);
  assert.deepEqual(got.body.input, c);
  assert.equal(got.body.result.goods.length, 3);
  const list = await req(srv, 'GET', '/declarations', { token: P.users.alice.token });
  assert.ok(list.body.items.some((d) => d.id === r.body.id));
  // another organisation: the same 404 as a missing id, and not in its list
  const bob = await req(srv, 'GET', `/declarations/${r.body.id}`, { token: P.users.bob.token });
  assert.equal(bob.status, 404);
  const missing = await req(srv, 'GET', '/declarations/00000000-0000-4000-8000-000000000000', { token: P.users.bob.token });
  assert.equal(missing.status, 404);
  assert.equal(bob.body.message, missing.body.message.replace('00000000-0000-4000-8000-000000000000', r.body.id));
  const bl = await req(srv, 'GET', '/declarations', { token: P.users.bob.token });
  assert.ok(!bl.body.items.some((d) => d.id === r.body.id));
  const led = await req(srv, 'GET', `/ledger/entries?object_type=declaration&object_id=${r.body.id}`, { token: P.users.alice.token });
  assert.equal(led.status, 200, led.text);
  assert.equal(led.body.entries.length, 1);
  assert.equal(led.body.entries[0].kind, 'declaration.save');
  // bad input saves nothing
  const before = (await req(srv, 'GET', '/declarations', { token: P.users.alice.token })).body.items.length;
  c.goods[0].activity_level.unit = 'MWh';
  const bad = await req(srv, 'POST', '/declarations/cbam?save=1', { token: P.users.alice.token, json: c });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.field, 'goods[0].activity_level.unit');
  assert.equal((await req(srv, 'GET', '/declarations', { token: P.users.alice.token })).body.items.length, before);
});
