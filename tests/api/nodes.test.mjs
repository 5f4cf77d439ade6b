// Two nodes on one PostgreSQL database share the failed-login counters
// (migration 16): failures counted on one node lock the name on the other.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, req, PG } from './lib.mjs';

const servers = [];
after(async () => { for (const s of servers.reverse()) assert.equal(await s.stop(), 0); });

// (PostgreSQL only: two nodes share a database only there; api_pg runs it)
if (PG) test('failed logins on one node lock the name on the other', async () => {
  const a = await startServer();
  servers.push(a);
  const b = await startServer({ db: a.db, noAdmin: true });
  servers.push(b);
  // the right password works on both before
  for (const s of [a, b]) {
    const ok = await req(s, 'POST', '/auth/login', { json: { name: a.admin, password: a.password } });
    assert.equal(ok.status, 200, ok.text);
  }
  // five failures alternate between the nodes (each alone sees at most
  // three, fewer than the five a name may fail); the fifth locks the name
  // for a second: at once the right password is refused on the other node
  for (let i = 0; i < 5; i++) {
    const s = i % 2 ? b : a;
    const r = await req(s, 'POST', '/auth/login', { json: { name: a.admin, password: 'wrong-password-' + i } });
    assert.ok([401, 403].includes(r.status), r.text);
  }
  const locked = await req(b, 'POST', '/auth/login', { json: { name: a.admin, password: a.password } });
  assert.equal(locked.status, 429, 'locked on the other node: ' + locked.text);
  assert.ok(Number(locked.headers.get('retry-after')) >= 1);
  // the lock ends; a success clears the count for both nodes
  let r;
  for (let i = 0; i < 100; i++) {
    r = await req(b, 'POST', '/auth/login', { json: { name: a.admin, password: a.password } });
    if (r.status !== 429) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  assert.equal(r.status, 200, r.text);
  const again = await req(a, 'POST', '/auth/login', { json: { name: a.admin, password: 'wrong-once' } });
  assert.notEqual(again.status, 429, 'one failure after a success does not lock: ' + again.text);
});
