// The certification body's desk: the application queue, the steps with
// evidence upload, decisions and issuance; labels: surveillance, suspension, revocation.
import { h, t, api, fmt, fmtDate, table, kv, link, statusBadge, errorBox, navigate } from '../app.js';

const NEXT = { applied: ['accept', 'decline'], accepted: ['plan'], planned: ['review_documents'], documents_reviewed: ['inspect'], inspected: ['verify'], verified: ['evaluate'], evaluated: ['decide', 'refuse'] };

async function queue() {
  const [apps, labels] = await Promise.all([api('/cert/applications').catch(() => ({ items: [] })), api('/labels').catch(() => ({ items: [] }))]);
  const msg = h('div', { 'aria-live': 'polite' });
  const act = (n, a, extra = {}) => async () => {
    const reason = ['suspend', 'revoke'].includes(a) ? prompt(t('fd.reason')) : null;
    if (['suspend', 'revoke'].includes(a) && !reason) return;
    try { await api(`/labels/${encodeURIComponent(n)}/${a}`, { json: { ...(reason ? { reason } : {}), ...extra } }); navigate('/desk/cert', true); } catch (e) { msg.replaceChildren(errorBox(e)); }
  };
  return h('section', {}, h('h1', {}, t('cd.title')), msg,
    h('h2', {}, t('cd.queue')),
    table([
      { title: t('cert.app'), cell: (a) => link('/desk/cert/' + a.id, a.id) },
      { title: t('ws.product'), cell: (a) => a.product || a.category || '' },
      { title: t('cd.applicant'), cell: (a) => a.org_name || a.applicant || a.org || '' },
      { title: t('common.status'), cell: (a) => statusBadge(a.status) },
      { title: t('cd.due'), cell: (a) => fmtDate(a.due) },
    ], apps.items || []),
    h('h2', {}, t('cd.labels')),
    table([
      { title: t('label.number'), cell: (l) => link('/labels/' + encodeURIComponent(l.number), l.number) },
      { title: t('common.status'), cell: (l) => statusBadge(l.status) },
      { title: t('label.valid_until'), cell: (l) => fmtDate(l.valid_until) },
      { title: t('cd.actions'), cell: (l) => h('div', { class: 'row' },
        h('button', { type: 'button', class: 'secondary', onclick: act(l.number, 'surveillance', { due: new Date(Date.now() + 180 * 864e5).toISOString().slice(0, 10) }) }, t('cd.surveil')),
        l.status === 'suspended' ? h('button', { type: 'button', class: 'secondary', onclick: act(l.number, 'reinstate') }, t('action.reinstate')) : h('button', { type: 'button', class: 'secondary', onclick: act(l.number, 'suspend') }, t('action.suspend')),
        h('button', { type: 'button', class: 'danger', onclick: act(l.number, 'revoke') }, t('action.revoke'))) },
    ], labels.items || []));
}

async function app(id) {
  const a = await api('/cert/applications/' + encodeURIComponent(id));
  const msg = h('div', { 'aria-live': 'polite' });
  const upload = h('form', { class: 'row card', id: 'evidence-form', onsubmit: async (e) => {
    e.preventDefault();
    const file = e.target.elements.file.files[0];
    if (!file) return;
    try {
      await api(`/cert/applications/${id}/documents?` + new URLSearchParams({ name: file.name, step: a.status }), { body: await file.arrayBuffer(), type: file.type || 'application/octet-stream' });
      navigate('/desk/cert/' + id, true);
    } catch (err) { msg.replaceChildren(errorBox(err)); }
  } }, h('label', {}, t('cd.evidence'), h('input', { name: 'file', type: 'file', required: true })), h('button', { type: 'submit' }, t('cd.upload')));
  const step = h('form', { class: 'grid card', id: 'step-form', onsubmit: async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    try {
      await api(`/cert/applications/${id}/steps`, { json: { action: f.action.value, ...(f.comment.value ? { comment: f.comment.value, reason: f.comment.value } : {}) } });
      navigate('/desk/cert/' + id, true);
    } catch (err) { msg.replaceChildren(errorBox(err)); }
  } }, h('label', {}, t('cd.step'), h('select', { name: 'action' }, [...(NEXT[a.status] || []), 'comment'].map((s) => h('option', { value: s }, t('action.' + s))))),
  h('label', {}, t('factor.comment'), h('input', { name: 'comment' })), h('div', {}, h('button', { type: 'submit' }, t('cd.do'))));
  return h('section', {}, h('h1', {}, t('cert.app'), ' ', h('span', { class: 'mono' }, id)),
    kv([['common.status', statusBadge(a.status)], ['ws.product', a.product || a.category], ['cd.applicant', a.org_name || a.org], ['ws.footprint', h('span', { class: 'mono' }, a.footprint_id || '')], ['label.number', a.label_number ? link('/labels/' + encodeURIComponent(a.label_number), a.label_number) : null]]),
    msg, h('h2', {}, t('cd.next')), step, h('h2', {}, t('cd.evidence')), upload,
    table([{ title: t('cd.document'), cell: (d) => d.name || d.sha256 }, { title: t('cd.sha256'), cell: (d) => h('span', { class: 'mono' }, d.sha256 || '') }, { title: t('common.time'), cell: (d) => fmtDate(d.at || d.created_at) }], a.documents || []),
    h('h2', {}, t('cd.steps')),
    table([{ title: t('common.time'), cell: (s) => fmtDate(s.at || s.created_at) }, { title: t('cd.step'), cell: (s) => t('action.' + s.action, s.action) }, { title: t('common.status'), cell: (s) => statusBadge(s.to || s.status || '') }, { title: t('factor.comment'), cell: (s) => s.comment || s.reason || '' }], a.steps || a.history || []));
}

export async function render({ page, params }) {
  return page === 'certapp' ? app(params.id) : queue();
}
