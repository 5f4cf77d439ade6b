// tanji web UI: a small client-side router over the JSON API (/api/v1).
// Every string comes from i18n.js; every element is built with h() (text
// nodes, never innerHTML), so server data cannot inject markup.
import { t, lang, setLang, missingKeys } from './i18n.js';

export { t };
const TOKEN_KEY = 'tanji.token';

export const session = {
  get token() { return sessionStorage.getItem(TOKEN_KEY); },
  me: null,
  set(token) { if (token) sessionStorage.setItem(TOKEN_KEY, token); else sessionStorage.removeItem(TOKEN_KEY); this.me = null; },
  roles() { return (this.me?.roles || '').split(/[ ,]+/).filter(Boolean); },
  has(...r) { const mine = this.roles(); return r.some((x) => mine.includes(x)); },
};

export class ApiError extends Error {
  constructor(status, body) { super(body?.message || `HTTP ${status}`); this.status = status; this.body = body; }
}

// fetch a JSON API path ("/models" → /api/v1/models); opts: {method, json, body, type, raw}
export async function api(path, opts = {}) {
  const headers = { accept: 'application/json' };
  if (session.token) headers.authorization = 'Bearer ' + session.token;
  let body = opts.body;
  if (opts.json !== undefined) { body = JSON.stringify(opts.json); headers['content-type'] = 'application/json'; }
  if (opts.type) headers['content-type'] = opts.type;
  const r = await fetch(path.startsWith('/api/') ? path : '/api/v1' + path, { method: opts.method || (body ? 'POST' : 'GET'), headers, body });
  if (opts.raw) { if (!r.ok) throw new ApiError(r.status, await r.json().catch(() => null)); return r; }
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (r.status === 401 && session.token && !path.startsWith('/auth/login')) { session.set(null); }
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

// h('div', {class: 'x', onclick: f}, 'text', child, [more])
export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  const add = (c) => {
    if (c === null || c === undefined || c === false) return;
    if (Array.isArray(c)) c.forEach(add);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  };
  kids.forEach(add);
  return el;
}

export function errorBox(e) {
  let m = e instanceof ApiError ? (e.status === 404 ? t('err.notfound') : e.status === 403 ? t('err.forbidden') : e.status === 401 ? t('err.login') : (e.body?.message || e.message)) : String(e.message || e);
  if (e instanceof ApiError && e.body?.field) m += ` (${e.body.field})`;
  return h('div', { class: 'msg error', role: 'alert' }, m);
}

export function fmt(n, digits = 4) {
  if (n === null || n === undefined || n === '') return '—';
  const x = Number(n);
  if (!Number.isFinite(x)) return String(n);
  return x.toLocaleString(lang() === 'zh' ? 'zh-CN' : 'en', { maximumSignificantDigits: digits });
}
export const fmtDate = (s) => (s ? String(s).replace('T', ' ').replace(/Z$/, ' UTC') : '—');

export function table(cols, rows, { caption } = {}) {
  return h('div', { class: 'table-wrap' }, h('table', {},
    caption ? h('caption', { class: 'muted' }, caption) : null,
    h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.title)))),
    h('tbody', {}, rows.length ? rows.map((r) => h('tr', {}, cols.map((c) => h('td', { class: c.num ? 'num' : null }, c.cell(r)))))
      : h('tr', {}, h('td', { colspan: cols.length, class: 'muted' }, t('common.none'))))));
}

export function field(labelKey, input) {
  return h('label', {}, t(labelKey), input);
}

export function kv(pairs) {
  return h('dl', { class: 'kv' }, pairs.filter(Boolean).map(([k, v]) => [h('dt', {}, t(k)), h('dd', {}, v ?? '—')]));
}

export const statusBadge = (s) => h('span', { class: 'badge ' + ({ valid: 'ok', published: 'ok', done: 'ok', certified: 'ok', conforming: 'ok', active: 'ok', pass: 'ok', nonconforming: 'bad', passed: 'ok', suspended: 'warn', expired: 'warn', queued: 'warn', running: 'warn', revoked: 'bad', failed: 'bad', refused: 'bad', declined: 'bad', fail: 'bad', withdrawn: 'bad' }[s] || '') }, t('status.' + s, s));

export function link(href, text) { return h('a', { href, 'data-link': '' }, text); }

// ---- routes ----------------------------------------------------------------
const routes = [];
export function route(pattern, load, opts = {}) {
  const names = [];
  const re = new RegExp('^' + pattern.replace(/:(\w+)/g, (_, n) => { names.push(n); return '([^/]+)'; }) + '/?$');
  routes.push({ pattern, re, names, load, ...opts });
}

const pages = (m) => () => import(`./pages/${m}.js`);
route('/', pages('home'), { page: 'home' });
route('/login', pages('login'), { page: 'login' });
route('/labels/:number', pages('label'), { page: 'label' });
route('/l/:number', pages('label'), { page: 'label' });
route('/api/v1/public/labels/:number', pages('label'), { page: 'label' });
route('/registry', pages('registry'), { page: 'registry' });
route('/factors', pages('factors'), { page: 'factors' });
route('/factors/:id', pages('factors'), { page: 'factor' });
route('/ledger', pages('ledger'), { page: 'ledger' });
route('/workspace', pages('workspace'), { page: 'workspace', auth: true });
route('/workspace/models/:id', pages('workspace'), { page: 'model', auth: true });
route('/workspace/footprints/:id', pages('workspace'), { page: 'footprint', auth: true });
route('/workspace/labels', pages('workspace'), { page: 'labels', auth: true });
route('/workspace/disclosure', pages('workspace'), { page: 'disclosure', auth: true });
route('/workspace/partners', pages('workspace'), { page: 'partners', auth: true });
route('/desk/factors', pages('factordesk'), { page: 'factordesk', auth: true });
route('/desk/cert', pages('certdesk'), { page: 'certdesk', auth: true });
route('/desk/cert/:id', pages('certdesk'), { page: 'certapp', auth: true });
route('/desk/regulator', pages('regdesk'), { page: 'regdesk', auth: true });

const NAV = [
  ['/registry', 'nav.registry'], ['/factors', 'nav.factors'], ['/ledger', 'nav.ledger'],
  ['/workspace', 'nav.workspace', ['enterprise']], ['/desk/factors', 'nav.factordesk', ['submitter', 'reviewer', 'regulator']],
  ['/desk/cert', 'nav.certdesk', ['verifier']], ['/desk/regulator', 'nav.regdesk', ['regulator', 'operator']],
];

function renderChrome(path) {
  document.documentElement.lang = lang() === 'zh' ? 'zh-CN' : 'en';
  document.getElementById('skip').textContent = t('nav.skip');
  document.getElementById('brand').textContent = t('app.name');
  document.getElementById('brand').setAttribute('data-link', '');
  const nav = document.getElementById('nav');
  nav.setAttribute('aria-label', t('nav.main'));
  nav.replaceChildren(...NAV.filter(([, , roles]) => !roles || session.has(...roles)).map(([href, key]) => {
    const a = link(href, t(key));
    if (path === href || path.startsWith(href + '/')) a.setAttribute('aria-current', 'page');
    return a;
  }));
  const lb = document.getElementById('lang');
  lb.textContent = t('lang.switch');
  lb.setAttribute('lang', lang() === 'zh' ? 'en' : 'zh-CN');
  lb.setAttribute('title', t('lang.switch.label'));
  const who = document.getElementById('who');
  who.replaceChildren(...(session.me
    ? [h('span', { class: 'muted' }, session.me.name + ' '), h('button', { type: 'button', class: 'link', onclick: logout }, t('nav.logout'))]
    : [link('/login', t('nav.login'))]));
  document.getElementById('foot').textContent = t('app.footer');
}

async function logout() {
  try { await api('/auth/logout', { method: 'POST' }); } catch { /* the token may have expired already */ }
  session.set(null);
  navigate('/');
}

let renderSeq = 0;
export async function render() {
  const seq = ++renderSeq;
  const path = location.pathname;
  if (session.token && !session.me) {
    try { session.me = await api('/auth/me'); } catch { session.set(null); }
  }
  renderChrome(path);
  const main = document.getElementById('main');
  let m = null, r = null;
  for (const x of routes) { m = x.re.exec(path); if (m) { r = x; break; } }
  if (!r) { main.replaceChildren(h('h1', {}, t('err.nopage'))); document.title = t('err.nopage') + ' · tanji'; return; }
  if (r.auth && !session.me) { navigate('/login?next=' + encodeURIComponent(path + location.search), true); return; }
  const params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
  const mod = await r.load();
  if (seq !== renderSeq) return;
  main.replaceChildren(h('p', { class: 'muted', role: 'status' }, t('common.loading')));
  try {
    const node = await mod.render({ page: r.page, params, query: new URLSearchParams(location.search) });
    if (seq !== renderSeq) return;
    document.dispatchEvent(new Event('tanji:page'));
    main.replaceChildren(node);
    // User Timing marks (relative to the navigation's start): the page is in
    // the document, and painted (the next frame); tests/ui reads them
    performance.mark('tanji:shown', { detail: r.page });
    requestAnimationFrame(() => performance.mark('tanji:painted', { detail: r.page }));
    const h1 = main.querySelector('h1');
    document.title = (h1 ? h1.textContent + ' · ' : '') + t('app.name');
  } catch (e) {
    if (seq !== renderSeq) return;
    main.replaceChildren(h('h1', {}, t('err.title')), errorBox(e));
  }
  document.body.dataset.page = r.page;
  document.body.dataset.ready = String(seq);
}

export function navigate(to, replace = false) {
  if (replace) history.replaceState(null, '', to); else history.pushState(null, '', to);
  render().then(() => document.getElementById('main').focus({ preventScroll: true }));
}

document.addEventListener('click', (e) => {
  const a = e.target.closest('a[data-link]');
  if (!a || e.ctrlKey || e.metaKey || e.shiftKey || a.target) return;
  e.preventDefault();
  navigate(a.getAttribute('href'));
});
window.addEventListener('popstate', () => render());
document.getElementById('lang').addEventListener('click', () => { setLang(lang() === 'zh' ? 'en' : 'zh'); render(); });
window.__tanji = { missingKeys, navigate };
render();
