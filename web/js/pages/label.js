// Label verification: the page a label's QR code opens.  The signature and
// the ledger inclusion are checked here, in the browser.
import { h, t, api, fmt, fmtDate, kv, statusBadge, errorBox } from '../app.js';
import { canonical, ed25519Verify, sha256hex, leafHash, bytesToHex, checkInclusionProof } from '../verify.js';

const mark = (ok, key, detail) => h('li', {}, h('span', { class: 'badge ' + (ok === true ? 'ok' : ok === false ? 'bad' : 'warn'), 'aria-hidden': 'true' }, ok === true ? '✓' : ok === false ? '✗' : '?'), ' ',
  t(key), ': ', h('strong', {}, t(ok === true ? 'check.ok' : ok === false ? 'check.fail' : 'check.unknown')), detail ? h('span', { class: 'muted' }, ' — ', detail) : null);

export async function render({ params }) {
  const number = params.number;
  const enc = encodeURIComponent(number);
  // what the checks need, fetched at once (the proof once the entry's index is known)
  const keyringP = api('/public/keyring').catch(() => null);
  const historyP = api(`/public/labels/${enc}/history`).catch(() => null);
  let raw;
  // with its inclusion proof in the latest signed head (without one when no head covers it yet)
  try { raw = await api(`/public/labels/${enc}?proof=true`).catch((e) => (e.status === 404 ? Promise.reject(e) : api(`/public/labels/${enc}`))); } catch (e) {
    return h('section', {}, h('h1', {}, t('label.title'), ' ', number), e.status === 404 ? h('div', { class: 'msg error', role: 'alert' }, t('label.notfound')) : errorBox(e));
  }
  const doc = raw.document || raw;
  const L = doc.label || {};
  const proofP = doc.ledger && !(doc.ledger.proof && doc.ledger.proof.head) && doc.ledger.index != null
    ? api(`/ledger/proof?index=${doc.ledger.index}`).catch(() => null) : Promise.resolve(null);
  const sig = doc.signature || {};
  const status = doc.status?.status || raw.status?.status || raw.status || 'unknown';
  const grade = doc.status?.grade ?? L.grade;
  const du = L.declared_unit && typeof L.declared_unit === 'object' ? `${fmt(L.declared_unit.amount)} ${L.declared_unit.unit}` : (L.declared_unit || '');
  const checks = h('ul', { class: 'checks', 'aria-live': 'polite' });
  const section = h('section', {},
    h('h1', {}, t('label.title'), ' ', h('span', { class: 'mono' }, L.number || number)),
    h('div', { class: 'label-hero' },
      h('div', {},
        h('p', { class: 'big', id: 'label-value' }, fmt(L.value, 6), ' ', h('span', { style: 'font-size:1rem' }, t('label.unit.kg'), ' / ', du)),
        h('p', {}, statusBadge(status), ' ', grade != null ? h('span', { class: 'badge' }, t('label.grade'), ' ', String(grade)) : null),
        kv([
          ['label.product', typeof L.product === 'object' && L.product ? [L.product.name, document.documentElement.lang === 'en' ? L.product.en : L.product.zh].filter(Boolean).join(' · ') : L.product],
          ['label.category', L.category],
          ['label.holder', L.holder?.name || L.holder],
          ['label.body', L.body?.name || L.body],
          ['label.validity', `${fmtDate(L.valid_from)} — ${fmtDate(L.valid_until)}`],
          ['label.boundary', L.boundary],
          ['label.rule', L.rule?.id || L.rule],
          ['label.gwp', L.gwp],
          ['label.certificate', L.certificate],
        ].map(([k, v]) => [k, typeof v === 'object' && v !== null ? JSON.stringify(v) : v]))),
      h('img', { class: 'label-graphic', src: `/api/v1/public/labels/${enc}/svg`, alt: t('label.graphic.alt', undefined) + ' ' + (L.number || number), width: 360, height: 240, loading: 'lazy' })),
    h('h2', {}, t('label.checks')), checks);
  // the checks: signature over the canonical label; the ledger entry names this document; inclusion
  const sigOk = sig.value && sig.public_key ? ed25519Verify(sig.value, canonical(L), sig.public_key) : null;
  checks.append(mark(sigOk, 'label.check.signature', sig.key_id ? t('label.key') + ' ' + sig.key_id : null));
  // the key: registered for the body in the public keyring, not revoked
  let keyOk = null, keyNote = null;
  const kr = await keyringP;
  if (kr) {
    const k = (kr.keys || []).find((x) => x.key_id === (sig.key_id || L.key_id));
    keyOk = !!k && k.status !== 'revoked' && (!sig.public_key || k.public_key === sig.public_key) && (!L.body?.id || !k.org_id || k.org_id === L.body.id);
    if (k) keyNote = t('keystatus.' + k.status, k.status);
    // the keyring's key must verify the signature too (the same check when it is the document's key)
    if (k && !(k.public_key === sig.public_key ? sigOk : ed25519Verify(sig.value, canonical(L), k.public_key))) keyOk = false;
  }
  checks.append(mark(keyOk, 'label.check.key', keyNote));
  const now = new Date().toISOString();
  checks.append(mark(L.valid_from && L.valid_until ? L.valid_from <= now && now <= L.valid_until : null, 'label.check.validity'));
  checks.append(mark(status === 'valid', 'label.check.status', t('status.' + status, status)));
  const led = doc.ledger;
  if (led && led.entry) {
    let entry = null;
    try { entry = JSON.parse(led.entry); } catch { entry = null; }
    const digest = sha256hex(canonical({ label: L, signature: sig }));
    const change = entry?.change || {};
    const names = entry && (change.document_digest === digest || entry.document_digest === digest);
    checks.append(mark(!!names, 'label.check.entry', t('label.ledger.index') + ' ' + led.index));
    const leafOk = !led.leaf_hash || bytesToHex(leafHash(led.entry)) === String(led.leaf_hash).toLowerCase();
    let proofDoc = led.proof && led.proof.head ? { ...led.proof, entry: led.entry, index: led.index } : null;
    if (!proofDoc) proofDoc = await proofP;
    if (proofDoc) {
      const r = checkInclusionProof(proofDoc);
      checks.append(mark(leafOk && r.leafOk && r.pathOk, 'label.check.inclusion', t('ledger.treesize') + ' ' + proofDoc.head.tree_size));
      checks.append(mark(r.headOk, 'label.check.head', fmtDate(proofDoc.head.signed_at)));
    } else checks.append(mark(null, 'label.check.inclusion', t('label.proof.unavailable')));
  } else checks.append(mark(null, 'label.check.entry', t('label.ledger.none')));
  // history (surveillance, suspension, grades): optional
  const hist = await historyP;
  if (hist) {
    const ev = hist.history || hist.events || [];
    if (hist.holder_listed) section.append(h('div', { class: 'msg error', role: 'alert' }, t('label.holder.listed')));
    if (ev.length) section.append(h('h2', {}, t('label.history')), h('ul', {}, ev.map((x) => h('li', {}, fmtDate(x.at), ' ', t('kind.' + x.kind, x.kind || ''), ' ', x.reason || x.change?.reason || ''))));
  }
  checks.dataset.done = String(Math.round(performance.now()));
  return section;
}
