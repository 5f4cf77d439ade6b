// Helpers for the black-box API tests: start a real `tanji serve` on a fresh
// database (SQLite in a temporary directory, or the PostgreSQL cluster named
// by TJ_PG_URL when TJ_API_PG=1) and talk HTTP to it.  No npm packages.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, createHash } from 'node:crypto';

export const TANJI = process.env.TANJI_BIN || join(process.env.TJ_BINARY_DIR || 'build', 'tanji');
export const SRC = process.env.TJ_SOURCE_DIR || '.';
export const PG = process.env.TJ_API_PG === '1';

export function uniq(prefix) {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function startServer(opts = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tanji-api-'));
  let db = join(dir, 'tanji.db');
  if (PG) {
    if (!process.env.TJ_PG_URL) throw new Error('TJ_PG_URL is not set');
    db = opts.db || process.env.TJ_PG_URL;
  }
  // one ledger key per database: on a shared PostgreSQL database every server
  // must sign heads with the same key, or verify reports heads of another key
  const key = opts.key || (PG ? join(tmpdir(), 'tanji-api-' + createHash('sha256').update(db).digest('hex').slice(0, 16) + '.key')
    : join(dir, 'ledger.key'));
  if (!opts.db) {
    execFileSync(TANJI, ['migrate', '--db', db], { stdio: 'pipe' });
    // the ledger key (a fresh one; on a shared PostgreSQL database the first run's heads use another key)
    execFileSync(TANJI, ['admin', 'init', '--db', db, '--key', key], { stdio: 'pipe' });
  } else db = opts.db;
  const admin = opts.admin || uniq('admin');
  const password = 'admin-password-' + randomBytes(6).toString('hex');
  if (!opts.noAdmin)
    execFileSync(TANJI, ['admin', 'first-admin', admin, '--db', db, '--password-env', 'TJ_TEST_ADMIN_PW'], {
      env: { ...process.env, TJ_TEST_ADMIN_PW: password }, stdio: 'pipe',
    });
  const sets = Object.entries({ rate: 0, access_log: join(dir, 'access.log'), ...(opts.key !== false && !opts.db ? { ledger_key: key, head_interval: 1 } : {}), ...(opts.set || {}) })
    .flatMap(([k, v]) => ['--set', `${k}=${v}`]);
  const child = spawn(TANJI, ['serve', '--db', db, '--listen', '127.0.0.1:0', ...sets], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const base = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('server did not start: ' + stderr)), 15000);
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = /listening on (https?:\/\/[^ ]+)/.exec(stderr);
      if (m) { clearTimeout(t); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(t); reject(new Error(`server exited ${code}: ${stderr}`)); });
  });
  child.stderr.on('data', (d) => { stderr += d; });
  const srv = {
    base, api: base + '/api/v1', dir, db, admin, password, child, key,
    get stderr() { return stderr; },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      const done = new Promise((r) => child.on('exit', (c, s) => r(c ?? s)));
      child.kill(signal);
      const code = await done;
      if (!opts.keep) rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
  return srv;
}

// fetch wrapper: returns {status, headers, body (parsed JSON when JSON), text}
export async function req(srv, method, path, { token, json, body, type, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  let payload = body;
  if (json !== undefined) { payload = JSON.stringify(json); h['content-type'] = 'application/json'; }
  if (type) h['content-type'] = type;
  const url = path.startsWith('http') ? path : (path.startsWith('/api') || path.startsWith('/healthz') || path.startsWith('/metrics') ? srv.base + path : srv.api + path);
  let r;
  try {
    r = await fetch(url, { method, headers: h, body: payload });
  } catch (e) {
    // a pooled keep-alive connection the server closed as idle (request_timeout):
    // retry a GET once on a new connection, as HTTP clients do
    if (method !== 'GET') throw e;
    r = await fetch(url, { method, headers: h });
  }
  const buf = Buffer.from(await r.arrayBuffer());
  const text = buf.toString('utf8');
  let parsed;
  if ((r.headers.get('content-type') || '').startsWith('application/json') && text.length) {
    parsed = JSON.parse(text);
  }
  return { status: r.status, headers: r.headers, body: parsed, text, buf };
}

export async function login(srv, name, password) {
  const r = await req(srv, 'POST', '/auth/login', { json: { name, password } });
  if (r.status !== 200) throw new Error(`login ${name}: ${r.status} ${r.text}`);
  return r.body.token;
}

// A platform with organisations and users of every role.
export async function seed(srv) {
  const op = await login(srv, srv.admin, srv.password);
  const pw = 'user-password-123';
  const orgs = {};
  for (const [key, kind] of [['A', 'enterprise'], ['B', 'enterprise'], ['S', 'submitter'], ['E', 'expert_panel'],
    ['R', 'regulator'], ['V', 'certification_body']]) {
    const name = uniq('org' + key);
    const r = await req(srv, 'POST', '/organisations', { token: op, json: { name, kind, region: '530000' } });
    if (r.status !== 201) throw new Error('org: ' + r.text);
    orgs[key] = { name, id: r.body.id };
  }
  const users = {};
  for (const [key, org, roles] of [['alice', 'A', 'enterprise'], ['bob', 'B', 'enterprise'], ['sub', 'S', 'submitter'],
    ['rev', 'E', 'reviewer'], ['reg', 'R', 'regulator'], ['ver', 'V', 'verifier']]) {
    const name = uniq(key);
    const r = await req(srv, 'POST', '/users', { token: op, json: { name, org: orgs[org].name, roles, password: pw } });
    if (r.status !== 201) throw new Error('user: ' + r.text);
    users[key] = { name, id: r.body.id, token: await login(srv, name, pw), password: pw };
  }
  return { op, orgs, users };
}

export function exampleModel(file = 'tea.json') {
  return JSON.parse(readFileSync(join(SRC, 'examples', file), 'utf8'));
}

export async function waitJob(srv, token, id, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    const r = await req(srv, 'GET', `/calculations/${id}`, { token });
    if (r.status !== 200) return r;
    if (['done', 'failed', 'cancelled'].includes(r.body.status)) return r;
    if (Date.now() > end) throw new Error('job did not finish: ' + r.text);
    await new Promise((res) => setTimeout(res, 50));
  }
}
