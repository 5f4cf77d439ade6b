// The ledger explorer: the signed head (checked here), entries by object,
// an inclusion proof checked in the browser.
import { h, t, api, fmtDate, table, kv, errorBox, session } from '../app.js';
import { verifyHead, checkInclusionProof } from '../verify.js';

const ok = (b) => h('span', { class: 'badge ' + (b ? 'ok' : 'bad') }, t(b ? 'check.ok' : 'check.fail'));

export async function render({ query }) {
  const head = await api('/ledger/head');
  const sh = head.signed_head;
  const out = h('div', { 'aria-live': 'polite' });
  const proofOut = h('div', { 'aria-live': 'polite' });
  async function prove(index) {
    try {
      const p = await api('/ledger/proof?index=' + index);
      const r = checkInclusionProof(p, sh?.public_key);
      proofOut.replaceChildren(h('div', { class: 'card' }, h('h3', {}, t('ledger.proof'), ' #', String(index)),
        kv([['ledger.leaf', ok(r.leafOk)], ['ledger.path', ok(r.pathOk)], ['ledger.headsig', ok(r.headOk)], ['ledger.treesize', String(p.head.tree_size)]]),
        h('p', { id: 'proof-result' }, h('strong', {}, t(r.ok ? 'ledger.proof.ok' : 'ledger.proof.fail'))),
        h('details', {}, h('summary', {}, t('ledger.entry')), h('pre', { class: 'mono' }, p.entry))));
    } catch (e) { proofOut.replaceChildren(errorBox(e)); }
  }
  const byObj = h('form', { class: 'grid card', onsubmit: async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    try {
      const r = await api('/ledger/entries?' + new URLSearchParams({ object_type: f.type.value.trim(), object_id: f.id.value.trim() }));
      out.replaceChildren(table([
        { title: t('ledger.index'), num: true, cell: (x) => String(x.index) },
        { title: t('common.time'), cell: (x) => fmtDate(x.at) },
        { title: t('ledger.kind'), cell: (x) => x.kind },
        { title: t('ledger.digest'), cell: (x) => h('span', { class: 'mono' }, x.state_digest || '') },
        { title: '', cell: (x) => h('button', { type: 'button', class: 'secondary', onclick: () => prove(x.index) }, t('ledger.check')) },
      ], r.entries || []));
    } catch (err) { out.replaceChildren(errorBox(err)); }
  } }, h('label', {}, t('ledger.objtype'), h('input', { name: 'type', value: query.get('object_type') || 'footprint' })),
  h('label', {}, t('ledger.objid'), h('input', { name: 'id', value: query.get('object_id') || '' })),
  h('div', {}, h('button', { type: 'submit', disabled: !session.me }, t('ledger.entries'))));
  const byIndex = h('form', { class: 'row card', onsubmit: (e) => { e.preventDefault(); prove(Number(e.target.elements.index.value)); } },
    h('label', {}, t('ledger.index'), h('input', { name: 'index', type: 'number', min: 0, value: query.get('index') || '' })),
    h('button', { type: 'submit' }, t('ledger.check')));
  return h('section', {}, h('h1', {}, t('ledger.title')),
    h('h2', {}, t('ledger.head')),
    sh ? kv([['ledger.treesize', String(sh.tree_size)], ['ledger.root', h('span', { class: 'mono' }, sh.root_hash)], ['ledger.signedat', fmtDate(sh.signed_at)],
      ['ledger.pubkey', h('span', { class: 'mono' }, sh.public_key)], ['ledger.headsig', h('span', { id: 'head-check' }, ok(verifyHead(sh)))]])
      : h('p', { class: 'muted' }, t('ledger.nohead')),
    h('p', { class: 'muted' }, t('ledger.keynote')),
    h('h2', {}, t('ledger.byobject')), session.me ? null : h('p', { class: 'muted' }, t('ledger.loginfor')), byObj, out,
    h('h2', {}, t('ledger.proof')), byIndex, proofOut);
}
