// The web UI in a real browser: playwright-core driving Debian's chromium
// (headless, --no-sandbox, no background networking; never a downloaded
// browser) against a real `tanji serve` on SQLite.
//  - each role logs in through the login page;
//  - an enterprise uploads a workbook, calculates with a progress bar and
//    sees its results (then, where the institutions' routes exist: applies,
//    the body issues, the label is verified by an anonymous 360 px phone);
//  - every page in zh-CN and English: no untranslated key, axe-core with no
//    serious or critical violation, a screenshot under the build directory;
//  - an enterprise's pages never show another enterprise's model names;
//  - the label page's load time on a phone (Navigation/User Timing);
//  - the enterprise makes, sees once and revokes a partner's PACT client.
// One browser; the independent walks run at once in their own browser
// contexts (TJ_UI_CONCURRENCY, default 1: one after the other, so that the
// label page's timing is its own; on 2 cores 4 at once saved 7 of 73 s), ordered by promises where one
// needs another's result; pages after a tab's first load are reached by the
// app's own (client-side) navigation.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import { startServer, seed, req, uniq, SRC } from '../api/lib.mjs';
import * as inst from './institutions.mjs';

const require = createRequire(resolve(SRC, 'package.json'));
const { chromium } = require('playwright-core');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const SHOTS = join(process.env.TJ_BINARY_DIR || 'build', 'ui-screenshots');
const CHROMIUM = process.env.TJ_CHROMIUM || '/usr/bin/chromium';

let srv, P, browser, tmp, book;
const figures = {};

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'tanji-ui-'));
  mkdirSync(SHOTS, { recursive: true });
  srv = await startServer({ set: { web_root: resolve(SRC, 'web'), vendor_dir: resolve(SRC, 'node_modules'), job_workers: 1 } });
  P = await seed(srv);
  // the workbook: the aluminium example's CSV sheets in one .xlsx (tests/tools/csv2xlsx)
  const E = join(SRC, 'examples/activity/electrolytic_aluminium');
  const c2x = process.env.TJ_CSV2XLSX || join(process.env.TJ_BINARY_DIR || 'build', 'tests/csv2xlsx');
  book = join(tmp, 'aluminium.xlsx');
  execFileSync(c2x, [book, ...['bom', 'energy', 'transport', 'waste'].map((k) => `${k}=${E}/${k}.csv`), `factors=${E}/factors-example.csv`]);
  browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-default-apps', '--no-first-run', '--disable-dev-shm-usage', '--metrics-recording-only', '--disable-domain-reliability'],
  });
});

after(async () => {
  for (const p of [...Object.values(tabs), ...extra]) await p.context().close().catch(() => {});
  await browser?.close();
  await srv?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  if (Object.keys(figures).length) console.log('# ui figures ' + JSON.stringify(figures));
});

function raw(text) {
  const u = new URL(srv.base);
  return new Promise((res, rej) => {
    const s = net.connect(Number(u.port), u.hostname, () => s.end(text));
    let out = '';
    s.on('data', (d) => { out += d; });
    s.on('end', () => res(out));
    s.on('error', rej);
  });
}

async function newPage(opts = {}) {
  // bypassCSP only so that the test can inject axe-core; the pages run under the server's CSP otherwise
  const ctx = await browser.newContext({ bypassCSP: true, locale: 'zh-CN', ...opts });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => {
    page.__errors = (page.__errors || []).concat(String(e));
    if (process.env.TJ_UI_VERBOSE) console.log('# pageerror ' + page.url() + ' ' + String(e.stack).split('\n').slice(0, 8).join(' | '));
  });
  if (process.env.TJ_UI_DEBUG) await page.route('**/vendor/echarts.min.js', (r) => r.fulfill({ path: resolve(SRC, 'node_modules/echarts/dist/echarts.js'), contentType: 'text/javascript' }));
  return page;
}

async function ready(page, name) {
  if (name) await page.waitForFunction((n) => document.body.dataset.page === n, name);
  await page.waitForFunction(() => document.body.dataset.ready && !document.querySelector('main [role="status"]')?.textContent?.match(/加载中|Loading/));
  // charts are drawn after the page: wait until the canvases exist
  await page.waitForFunction(() => [...document.querySelectorAll('.chart')].every((c) => c.querySelector('canvas') || c.querySelector('.msg')), null, { timeout: 30000 });
}

// do something that re-renders the page, and wait for the new page
async function rerender(page, fn) {
  const seq = await page.evaluate(() => document.body.dataset.ready);
  await fn();
  await page.waitForFunction((s) => document.body.dataset.ready !== s, seq);
  await ready(page);
}

// open path: a full load the first time in a tab (or with full), else the
// app's own navigation (history.pushState + render, as a click on a link)
async function go(page, path, { full = false } = {}) {
  const t0 = Date.now();
  const loaded = !full && await page.evaluate(() => !!(window.__tanji && document.body.dataset.ready)).catch(() => false);
  if (loaded) await rerender(page, () => page.evaluate((p) => window.__tanji.navigate(p), path));
  else {
    await page.goto(srv.base + path);
    await ready(page);
  }
  if (process.env.TJ_UI_VERBOSE) console.log(`# ${path} ${Date.now() - t0} ms`);
}

// one logged-in tab per role, reused by the tests (a login costs an Argon2id check);
// every role logs in once through the login page
const tabs = {};
async function as(key) {
  if (!tabs[key]) {
    tabs[key] = await newPage();
    await loginAs(tabs[key], P.users[key]);
  }
  await setLang(tabs[key], 'zh');
  return tabs[key];
}

// another tab of a user (a walk that runs beside the first tab's): the
// user's API token in the tab's sessionStorage, as the login page leaves it
const extra = [];
async function tabWith(key) {
  const page = await newPage();
  extra.push(page);
  await page.context().addInitScript((tok) => { if (!sessionStorage.getItem('tanji.token')) sessionStorage.setItem('tanji.token', tok); }, P.users[key].token);
  return page;
}

// a result one walk hands to another (rejected when the walk fails, so that the other fails too)
function later() {
  let res, rej;
  const p = new Promise((a, b) => { res = a; rej = b; });
  p.catch(() => {});
  return Object.assign(p, { res, rej });
}
async function producing(promise, fn) {
  try { const v = await fn(); promise.res(v); return v; } catch (e) { promise.rej(e); throw e; }
}

async function loginAs(page, who) {
  await page.goto(srv.base + '/login');
  await ready(page);
  await page.fill('input[name=name]', who.name);
  await page.fill('input[name=password]', who.password);
  await page.click('button[type=submit]');
  await page.waitForFunction(() => location.pathname !== '/login' && document.querySelector('#who button') && document.body.dataset.page !== 'login');
  await ready(page);
}

async function setLang(page, l) {
  const cur = await page.evaluate(() => localStorage.getItem('tanji.lang') || 'zh');
  if (cur !== l) await rerender(page, () => page.click('#lang'));
}

// no untranslated key, no script error, no serious/critical axe violation; a screenshot
async function translated(page, name) {
  const missing = await page.evaluate(() => window.__tanji.missingKeys());
  assert.deepEqual(missing, [], `${name}: untranslated keys`);
  const text = await page.evaluate(() => document.body.innerText + ' ' + [...document.querySelectorAll('[aria-label],[alt],[placeholder],title')].map((e) => e.getAttribute('aria-label') || e.getAttribute('alt') || e.getAttribute('placeholder') || e.textContent).join(' '));
  assert.ok(!text.includes('⟦'), `${name}: a key shown untranslated`);
  assert.deepEqual(page.__errors || [], [], `${name}: script errors`);
}

async function audit(page, name) {
  await translated(page, name);
  const t0 = Date.now();
  await page.evaluate(AXE);
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } }));
  const bad = res.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`), [], `${name}: accessibility`);
  assert.deepEqual(page.__errors || [], [], `${name}: script errors`);
  const t1 = Date.now();
  await page.screenshot({ path: join(SHOTS, name.replace(/[^a-z0-9_-]+/gi, '_') + '.png'), fullPage: true });
  if (process.env.TJ_UI_VERBOSE) console.log(`# audit ${name}: axe ${t1 - t0} ms, screenshot ${Date.now() - t1} ms`);
}

// both languages: no untranslated key; axe and a screenshot once (zh-CN) unless full
// (in the language the tab shows first, then the other: one switch per page)
async function auditBoth(page, path, name, { full = false } = {}) {
  await go(page, path);
  const first = await page.evaluate(() => localStorage.getItem('tanji.lang') || 'zh');
  for (const l of first === 'en' ? ['en', 'zh'] : ['zh', 'en']) {
    await setLang(page, l);
    if (l === 'zh' || full) await audit(page, `${name}-${l}`);
    else await translated(page, `${name}-${l}`);
  }
}

// results the walks hand on
const calculated = later(); // {modelId, footprintId} of the enterprise's first walk
let calculatedAt = 0;
const issued = later(); // the label number the body issued

describe('web UI', { concurrency: Number(process.env.TJ_UI_CONCURRENCY || 1) }, () => {

test('enterprise: log in, upload a workbook, edit, calculate with progress, results (Monte Carlo histogram)', () => producing(calculated, async () => {
  const mark = (what) => process.env.TJ_UI_VERBOSE && console.log(`# ${what} ${Date.now() - T0} ms`);
  const T0 = Date.now();
  const page = await as('alice'); // through the login page
  mark('login');
  await go(page, '/workspace');
  mark('workspace');
  await page.setInputFiles('input[name=file]', book);
  await page.fill('#upload-form input[name=name]', 'alice-aluminium-model');
  await page.fill('#upload-form input[name=product_zh]', '电解铝');
  await page.fill('#upload-form input[name=product_en]', 'Primary aluminium');
  await page.click('#upload-form button[type=submit]');
  await page.waitForURL(/\/workspace\/models\//);
  await ready(page, 'model');
  const modelId = page.url().split('/').pop();
  mark('uploaded');
  assert.match(await page.textContent('h1'), /alice-aluminium-model/);
  // edit an amount in the form and save: the revision grows
  const first = page.locator('input.amount').first();
  await first.fill(String(Number(await first.inputValue()) * 2));
  await page.click('form.card button[type=submit] >> nth=0');
  await page.waitForSelector('.msg.ok');
  const m = await req(srv, 'GET', `/models/${modelId}`, { token: P.users.alice.token });
  assert.equal(m.body.revision, 2, 'the form saved a new revision');
  mark('saved');
  // calculate: a progress bar, then the results page
  await page.fill('input[name=mc]', '200');
  // the progress bar may come and go faster than the test looks: watch for it in the page
  await page.evaluate(() => {
    window.__sawProgress = false;
    new MutationObserver((_, o) => { if (document.querySelector('main progress')) { window.__sawProgress = true; o.disconnect(); } }).observe(document.body, { childList: true, subtree: true });
  });
  const tc = Date.now();
  await page.click('button[name=go]');
  await page.waitForURL(/\/workspace\/footprints\//, { timeout: 60000 });
  assert.ok(await page.evaluate(() => window.__sawProgress), 'a progress bar while it calculated');
  figures.calc_ms = Date.now() - tc;
  await ready(page, 'footprint');
  const footprintId = page.url().split('/').pop();
  mark('results');
  const total = await page.textContent('#fp-total');
  assert.match(total, /kg CO2e/);
  assert.ok(await page.locator('.chart canvas').count() >= 4, 'stage, hotspot, Sankey, Monte Carlo histogram and interval charts');
  // the Monte Carlo histogram: the server's bins (200 draws) drawn as bars, the mean and P2.5/P97.5 marked
  const fp = (await req(srv, 'GET', `/footprints/${footprintId}`, { token: P.users.alice.token })).body;
  const hist = fp.result.uncertainty.histogram;
  assert.equal(hist.counts.length, 40);
  assert.equal(hist.counts.reduce((a, b) => a + b, 0), 200, 'the bins hold every draw');
  assert.ok(hist.lo <= fp.result.uncertainty.total.p2_5 && fp.result.uncertainty.total.p97_5 <= hist.hi);
  const drawn = await page.evaluate(() => {
    const box = [...document.querySelectorAll('.chart')].find((c) => /直方图/.test(c.getAttribute('aria-label')));
    const c = box && window.echarts.getInstanceByDom(box);
    if (!c) return null;
    const o = c.getOption();
    const bar = o.series.find((x) => x.type === 'bar');
    return { label: box.getAttribute('aria-label'), counts: bar.data.map((d) => (Array.isArray(d) ? d[1] : d?.value ?? d)), marks: bar.markLine.data.map((d) => d.xAxis) };
  });
  assert.ok(drawn, 'the histogram chart is drawn');
  // (one bar when every draw is equal: the workbook's data carry no uncertainty)
  assert.deepEqual(drawn.counts, hist.hi > hist.lo ? hist.counts : [200]);
  const u = fp.result.uncertainty.total;
  // each mark on the bin that holds its value
  const w = (hist.hi - hist.lo) / 40;
  const binOf = (x) => (w > 0 ? Math.min(39, Math.max(0, Math.floor((x - hist.lo) / w))) : 0);
  assert.deepEqual(drawn.marks, [binOf(u.p2_5), binOf(u.mean), binOf(u.p97_5)]);
  assert.match(drawn.label, /均值/);
  calculatedAt = Date.now();
  calculated.res({ modelId, footprintId }); // the walks that need it go on while this one audits
  await audit(page, 'workspace-footprint-zh');
  return { modelId, footprintId };
}));

test('institutions: the enterprise applies, the body takes every step with evidence and issues the label', () => producing(issued, async () => {
  const S = await inst.setup(srv, P, tmp);
  // the enterprise calculates the certifiable model under its rule, and applies (a second tab of alice)
  const page = await tabWith('alice');
  await go(page, '/workspace/models/' + S.modelId);
  await page.fill('input[name=mc]', '0');
  await page.selectOption('form.row select[name=rule] >> nth=0', inst.RULE);
  await page.click('button[name=go]');
  await page.waitForURL(/\/workspace\/footprints\//, { timeout: 30000 });
  await ready(page, 'footprint');
  assert.match(await page.textContent('main'), /符合/, 'the rule check passed');
  await page.click('#apply-form button[type=submit]');
  await page.waitForSelector('main .msg.ok, main .msg.error');
  assert.equal(await page.locator('main .msg.error').count(), 0, (await page.locator('main .msg.error').allTextContents()).join(' '));
  // the body takes each step in its desk, uploading evidence where the step needs it
  const desk = await as('ver');
  await go(desk, '/desk/cert');
  await rerender(desk, () => desk.locator('main table a').first().click());
  for (const action of ['accept', 'plan', 'review_documents', 'inspect', 'verify', 'evaluate', 'decide']) {
    const opt = desk.locator(`#step-form select[name=action] option[value=${action}]`);
    assert.equal(await opt.count(), 1, `${action} is offered`);
    if (/—/.test(await opt.textContent())) {
      await desk.setInputFiles('#evidence-form input[type=file]', { name: action + '.txt', mimeType: 'text/plain', buffer: Buffer.from(`${action} record / 记录`) });
      await rerender(desk, () => desk.click('#evidence-form button[type=submit]'));
    }
    await desk.selectOption('#step-form select[name=action]', action);
    if (action === 'decide') await desk.setInputFiles('#step-form input[name=key]', S.keyfile);
    await rerender(desk, () => desk.click('#step-form button[type=submit]'));
    assert.equal(await desk.locator('main .msg.error').count(), 0, action + ': ' + (await desk.locator('main .msg.error').allTextContents()).join(' '));
  }
  assert.match(await desk.textContent('main'), /已认证/);
  const labelNumber = (await desk.locator('main dl a[href^="/labels/"]').textContent()).trim();
  assert.match(labelNumber, /^CN-530000-\d{4}-\d{6,}$/);
  issued.res(labelNumber); // the phone walk goes on while this one audits
  await audit(desk, 'certdesk-application-zh');
  await auditBoth(desk, '/desk/cert', 'certdesk');
  // the enterprise sees its label
  await go(page, '/workspace/labels');
  assert.match(await page.textContent('main'), new RegExp(labelNumber));
  await auditBoth(page, '/workspace/labels', 'workspace-labels');
  return labelNumber;
}));

// From navigation start (Navigation Timing's time origin) to the frame that
// shows the finished page (User Timing mark tanji:painted, set by app.js
// after the page with its checks is in the document), and the resources.
async function labelTiming(page) {
  await page.waitForFunction(() => performance.getEntriesByName('tanji:painted').length > 0 && document.querySelector('ul.checks[data-done]'));
  return page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return {
      painted: Math.round(performance.getEntriesByName('tanji:painted').at(-1).startTime),
      shown: Math.round(performance.getEntriesByName('tanji:shown').at(-1).startTime),
      html: Math.round(nav.responseEnd), dom: Math.round(nav.domContentLoadedEventEnd),
      requests: performance.getEntriesByType('resource').length,
      resources: performance.getEntriesByType('resource').map((e) => [e.name.replace(location.origin, ''), Math.round(e.startTime), Math.round(e.responseEnd)]),
    };
  });
}

test('the label page on an anonymous 360 px phone: value, status, signature and inclusion checked in the browser, under 1 s', async () => {
  const labelNumber = await issued;
  const phone = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
  // the server signs a head every second: wait until one covers the label's issue entry
  const doc = (await req(srv, 'GET', '/public/labels/' + encodeURIComponent(labelNumber))).body;
  for (let i = 0; i < 100; i++) {
    const hd = (await req(srv, 'GET', '/ledger/head')).body;
    if (hd.signed_head && hd.signed_head.tree_size > doc.ledger.index) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = srv.base + '/labels/' + encodeURIComponent(labelNumber);
  // a phone that scanned the QR code: a fresh browser context (empty cache), without
  // the test's CSP bypass, as a visitor's browser loads it
  const cold = await browser.newContext({ locale: 'zh-CN', ...phone });
  const first = await cold.newPage();
  await first.goto(url);
  const tCold = await labelTiming(first);
  // a second visitor on the same phone (files cached, revalidated: 304)
  await first.reload();
  const tWarm = await labelTiming(first);
  await cold.close();
  if (process.env.TJ_UI_VERBOSE) console.log('# label page resources (cold) ' + JSON.stringify(tCold.resources));
  figures.label_page_cold_ms = tCold.painted;
  figures.label_page_warm_ms = tWarm.painted;
  figures.label_page_requests = tCold.requests;
  figures.label_page_html_ms = tCold.html;
  console.log(`# label verification page (360 px phone, Navigation Timing → checks shown): first visit ${tCold.painted} ms ` +
    `(HTML ${tCold.html} ms, DOM ready ${tCold.dom} ms, page shown ${tCold.shown} ms, ${tCold.requests} requests); cached ${tWarm.painted} ms`);
  // 1 s on an unloaded machine; scaled by how oversubscribed the CPUs are now (load average / cores)
  const load = os.loadavg()[0] / os.cpus().length;
  figures.load_per_core = Math.round(load * 10) / 10;
  const budget = Number(process.env.TJ_UI_LABEL_BUDGET_MS || 1000) * Math.max(1, load);
  assert.ok(tCold.painted < budget, `the label page took ${tCold.painted} ms (budget ${Math.round(budget)} ms at ${figures.load_per_core} load per core)`);
  assert.ok(tWarm.painted < budget, `the label page took ${tWarm.painted} ms when cached (budget ${Math.round(budget)} ms)`);

  const page = await newPage(phone);
  await page.goto(url);
  await page.waitForSelector('ul.checks[data-done]');
  await ready(page);
  const text = await page.textContent('main');
  assert.match(text, new RegExp(labelNumber));
  assert.match(await page.textContent('#label-value'), /kg CO₂e/);
  const checks = await page.locator('ul.checks li').allTextContents();
  assert.ok(checks.some((c) => /Ed25519/.test(c) && /通过/.test(c)), 'signature checked: ' + checks.join(' | '));
  const inc = checks.find((c) => /包含证明/.test(c));
  assert.match(inc || '', /通过/, 'inclusion checked: ' + checks.join(' | '));
  // the same checks fail on a changed label or proof (they are real checks)
  const neg = await page.evaluate(async (n) => {
    const v = await import('/js/verify.js');
    const doc = await (await fetch('/api/v1/public/labels/' + encodeURIComponent(n) + '?proof=true')).json();
    const proof = { ...doc.ledger.proof, entry: doc.ledger.proof.entry || doc.ledger.entry, index: doc.ledger.proof.index ?? doc.ledger.index };
    const msg = v.canonical(doc.label);
    const good = v.ed25519Verify(doc.signature.value, msg, doc.signature.public_key) && v.checkInclusionProof(proof).ok;
    const altered = { ...doc.label, value: doc.label.value * 0.9 };
    const badSig = v.ed25519Verify(doc.signature.value, v.canonical(altered), doc.signature.public_key);
    const badProof = v.checkInclusionProof({ ...proof, entry: proof.entry.replace(/.$/, ' }') }).ok;
    const badPath = proof.proof.length ? v.checkInclusionProof({ ...proof, proof: [proof.proof[0].replace(/^./, (c) => (c === '0' ? '1' : '0')), ...proof.proof.slice(1)] }).ok : false;
    return { good, badSig, badProof, badPath };
  }, labelNumber);
  assert.deepEqual(neg, { good: true, badSig: false, badProof: false, badPath: false });
  // no horizontal scrolling at 360 px
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 361), 'fits 360 px');
  await audit(page, 'label-phone-zh');
  await setLang(page, 'en');
  await audit(page, 'label-phone-en');
  // the QR target (/api/v1/public/labels/N) opens this page in a browser
  await page.goto(srv.base + '/api/v1/public/labels/' + encodeURIComponent(labelNumber));
  await page.waitForSelector('ul.checks[data-done]');
  await page.context().close();
});

test('every public page, both languages: translated, accessible, screenshots', async () => {
  const anon = await newPage();
  for (const [path, name] of [['/', 'home'], ['/login', 'login'], ['/registry', 'registry'], ['/factors', 'factors'], ['/ledger', 'ledger'], ['/labels/CN-000000-2026-000000', 'label-missing']])
    await auditBoth(anon, path, name);
  await anon.context().close();
});

test('the enterprise workspace pages, both languages; the ledger explorer checks the signed head and an inclusion proof in the browser', async () => {
  const { modelId, footprintId } = await calculated;
  const page = await as('alice');
  for (const [path, name] of [['/workspace', 'workspace'], [`/workspace/models/${modelId}`, 'workspace-model'], [`/workspace/footprints/${footprintId}`, 'workspace-footprint'],
    ['/workspace/disclosure', 'workspace-disclosure'], ['/ledger', 'ledger-enterprise']])
    await auditBoth(page, path, name);
  // the ledger explorer: the server signs a head every second (head_interval 1): one covers the footprint's entry 1.2 s after it
  await new Promise((r) => setTimeout(r, Math.max(0, calculatedAt + 1200 - Date.now())));
  await go(page, `/ledger?object_type=footprint&object_id=${footprintId}`);
  await setLang(page, 'zh');
  assert.match(await page.textContent('#head-check'), /通过/);
  await page.click('main form.grid button[type=submit]');
  await page.waitForSelector('main table button');
  await page.locator('main table button').first().click();
  await page.waitForSelector('#proof-result');
  assert.match(await page.textContent('#proof-result'), /包含在已签名的账本中/);
  await audit(page, 'ledger-proof-zh');
});

test('partners and API clients: the enterprise makes a PACT client for a partner (secret shown once), lists and revokes it', async () => {
  const { footprintId } = await calculated;
  // a partner: alice's footprint disclosed to bob's organisation
  const d = await req(srv, 'POST', '/disclosures', { token: P.users.alice.token, json: { footprint_id: footprintId, scope: 'partners', partners: [P.orgs.B.id], fields: ['stages'] } });
  assert.equal(d.status, 201, d.text);
  const page = await tabWith('alice');
  await go(page, '/workspace/partners');
  await page.fill('#client-form input[name=name]', 'B 采购系统');
  await page.fill('#client-form input[name=partner]', P.orgs.B.name);
  await page.click('#client-form button[type=submit]');
  await page.waitForSelector('#client-msg .msg');
  assert.equal(await page.locator('#client-msg .msg.error').count(), 0, (await page.locator('#client-msg').textContent()));
  const id = (await page.textContent('#client-id')).trim();
  const secret = (await page.textContent('#client-secret')).trim();
  assert.match(secret, /^tjc_/);
  const row = page.locator('#client-list tr', { hasText: id });
  assert.match(await row.textContent(), new RegExp(P.orgs.B.name));
  const l = await req(srv, 'GET', '/pact/clients', { token: P.users.alice.token });
  assert.ok(l.body.items.some((c) => c.id === id) && !l.text.includes(secret), 'listed, without its secret');
  await audit(page, 'workspace-partners-created-zh');
  // after the page is left the secret is gone; the list shows the client
  await auditBoth(page, '/workspace/partners', 'workspace-partners');
  assert.ok(!(await page.content()).includes(secret), 'the secret is shown once');
  await setLang(page, 'zh');
  page.once('dialog', (dlg) => dlg.accept());
  await page.locator('#client-list tr', { hasText: id }).getByRole('button', { name: /吊销/ }).click();
  await page.waitForSelector('#client-msg .msg.ok');
  assert.match(await page.locator('#client-list tr', { hasText: id }).textContent(), /撤销|已吊销|revoked/);
  assert.equal((await req(srv, 'GET', '/pact/clients', { token: P.users.alice.token })).body.items.find((c) => c.id === id).status, 'revoked');
  // another enterprise's page does not list it
  const bob = await tabWith('bob');
  await go(bob, '/workspace/partners');
  assert.ok(!(await bob.content()).includes(id), 'not on another enterprise\'s page');
});

test('factor desk: a submitter submits, an expert reviews and approves, the regulator publishes, the public finds it; the desks in both languages', async () => {
  const nameZh = uniq('界面因子');
  const sub = await as('sub');
  await go(sub, '/desk/factors');
  for (const [n, v] of [['name_zh', nameZh], ['name_en', 'UI factor'], ['category', 'test'], ['unit', 'kg'], ['value', '2.5'], ['region', 'CN'], ['ref_year', '2024'], ['source_doc', 'UI test document'], ['evidence', 'report.pdf']])
    await sub.fill(`#factor-form input[name=${n}]`, v);
  await sub.click('#factor-form button[type=submit]');
  await sub.waitForFunction((n) => document.querySelector('main').textContent.includes(n) || document.querySelector('main .msg.error'), nameZh);
  assert.equal(await sub.locator('main .msg.error').count(), 0, (await sub.locator('main .msg.error').allTextContents()).join(' '));
  assert.match(await sub.textContent('main'), new RegExp(nameZh));
  await auditBoth(sub, '/desk/factors', 'factordesk-submitter');
  for (const [who, actions] of [['rev', ['开始评审', '批准']], ['reg', ['发布']]]) {
    const page = await as(who);
    await go(page, '/desk/factors');
    for (const a of actions) {
      const row = page.locator('tr', { hasText: nameZh });
      await rerender(page, () => row.getByRole('button', { name: a }).click());
      await go(page, '/desk/factors');
    }
  }
  await auditBoth(await as('rev'), '/desk/factors', 'factordesk-expert');
  const reg = await as('reg');
  await auditBoth(reg, '/desk/factors', 'factordesk-regulator');
  await auditBoth(reg, '/desk/regulator', 'regdesk');
  const anon = await newPage();
  await go(anon, '/factors?q=' + encodeURIComponent(nameZh));
  await rerender(anon, () => anon.locator('main table a', { hasText: nameZh }).click());
  assert.match(await anon.textContent('main'), /已发布/);
  assert.ok((await anon.locator('main table').first().locator('tbody tr').count()) >= 4, 'the workflow history');
  await auditBoth(anon, new URL(anon.url()).pathname, 'factor-detail');
  await anon.context().close();
});

test('an enterprise never sees another enterprise\'s private model names', async () => {
  const secret = uniq('bob-secret-model');
  const r = await req(srv, 'POST', '/models/from-sheets?' + new URLSearchParams({ name: secret, product_zh: secret + '-产品', unit: 't' }),
    { token: P.users.bob.token, body: readFileSync(book), type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
  assert.equal(r.status, 201, r.text);
  const j = await req(srv, 'POST', '/calculations', { token: P.users.bob.token, json: { model_id: r.body.id, save: true } });
  assert.equal(j.status, 202);
  const page = await newPage();
  const seen = [];
  page.on('response', async (res) => { if (res.url().includes('/api/')) seen.push(await res.text().catch(() => '')); });
  await loginAs(page, P.users.alice);
  for (const path of ['/', '/workspace', `/workspace/models/${r.body.id}`, '/workspace/labels', '/workspace/disclosure', '/workspace/partners', '/registry', '/ledger', '/factors'])
    await go(page, path).catch(() => {});
  for (const path of ['/workspace', '/workspace/disclosure', '/workspace/partners']) {
    await go(page, path);
    assert.ok(!(await page.content()).includes(secret), `${path} shows ${secret}`);
  }
  assert.ok(!seen.some((b) => b.includes(secret)), 'no API answer to alice carries bob\'s model name');
  // and bob does see it (the test can fail)
  const bob = await as('bob');
  await go(bob, '/workspace');
  assert.ok((await bob.content()).includes(secret));
  await page.context().close();
});

test('static files: ETag and 304, content types, no traversal, index.html for client routes', async () => {
  const a = await fetch(srv.base + '/js/app.js');
  assert.equal(a.status, 200);
  assert.match(a.headers.get('content-type'), /^text\/javascript/);
  const etag = a.headers.get('etag');
  assert.ok(etag);
  assert.equal(a.headers.get('cache-control'), 'no-cache');
  assert.equal((await fetch(srv.base + '/js/app.js', { headers: { 'if-none-match': etag } })).status, 304);
  const v = await fetch(srv.base + '/vendor/echarts.min.js', { method: 'HEAD' });
  assert.equal(v.status, 200);
  assert.match(v.headers.get('cache-control'), /max-age/);
  assert.equal((await fetch(srv.base + '/vendor/noble-hashes/sha2.js')).status, 200);
  const html = await fetch(srv.base + '/workspace/models/x');
  assert.equal(html.status, 200);
  assert.match(html.headers.get('content-security-policy'), /default-src 'self'/);
  // raw request lines, so that no client normalises the dots away
  for (const bad of ['/%2e%2e/%2e%2e/etc/passwd', '/js/../../CMakeLists.txt', '/.git/config', '/vendor/../package.json', '/vendor/noble-hashes/../../../package.json',
    '/vendor/noble-hashes/..%2f..%2fpackage.json', '/js//app.js', '/js/app.js/', '/nope.js', '/vendor/playwright-core/package.json', '/vendor/noble-hashes/package.json', '/.env'])
    assert.match(await raw(`GET ${bad} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`), /^HTTP\/1\.1 404/, bad);
  assert.match(await raw('GET /js/app.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 200/);
  assert.equal((await fetch(srv.base + '/api/v1/nope')).status, 404);
  assert.match((await (await fetch(srv.base + '/api/v1/nope')).text()), /not_found/);
  // a browser opening the QR target gets the page; a program gets JSON
  const q = await fetch(srv.base + '/api/v1/public/labels/CN-000000-2026-000000', { headers: { accept: 'text/html,application/xhtml+xml' } });
  assert.match(q.headers.get('content-type') || '', /text\/html/);
});

});
