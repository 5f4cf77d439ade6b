// The certification body's desk: the application queue, the steps with
// evidence upload, decisions and issuance; labels: surveillance, suspension, revocation.
import { h, t, api, fmtDate, table, kv, link, statusBadge, errorBox, navigate, session } from '../app.js';

const NEXT = { applied: ['accept', 'decline'], accepted: ['plan'], planned: ['review_documents'], documents_reviewed: ['inspect'], inspected: ['verify'], verified: ['evaluate'], evaluated: ['decide', 'refuse'] };

async function queue() {
  const [apps, reg] = await Promise.all([api('/cert/applications').catch(() => ({ items: [] })), api('/public/registry?limit=200').catch(() => ({ items: [] }))]);
  const me = session.me?.org_id;
  const labels = { items: (reg.items || []).filter((l) => l.body === me || l.body_org === me || l.body?.id === me) };
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
      { title: t('factor.category'), cell: (a) => a.category || '' },
      { title: t('cd.applicant'), cell: (a) => a.applicant_name || a.applicant_org || '' },
      { title: t('common.status'), cell: (a) => statusBadge(a.status) },
      { title: t('cd.due'), cell: (a) => fmtDate(a.due_at) },
    ], apps.items || []),
    h('h2', {}, t('cd.labels')),
    table([
      { title: t('label.number'), cell: (l) => link('/labels/' + encodeURIComponent(l.number), l.number) },
      { title: t('common.status'), cell: (l) => statusBadge(l.status) },
      { title: t('label.valid_until'), cell: (l) => fmtDate(l.valid_until) },
      { title: t('cd.actions'), cell: (l) => h('div', { class: 'row' },
        h('button', { type: 'button', class: 'secondary', onclick: act(l.number, 'surveillance', { due_at: new Date(Date.now() + 180 * 864e5).toISOString().slice(0, 10) }) }, t('cd.surveil')),
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
      await api(`/cert/applications/${id}/documents?` + new URLSearchParams({ name: file.name }), { body: await file.arrayBuffer(), type: file.type || 'application/octet-stream' });
      navigate('/desk/cert/' + id, true);
    } catch (err) { msg.replaceChildren(errorBox(err)); }
  } }, h('label', {}, t('cd.evidence.file'), h('input', { name: 'file', type: 'file', required: true, accept: '.pdf,.png,.jpg,.jpeg,.txt,.csv,.json,.xlsx' })), h('button', { type: 'submit' }, t('cd.upload')));
  const mine = session.has('verifier') ? 'body' : 'applicant';
  const next = (a.next || []).filter((n) => n.by === mine);
  const keyInput = h('input', { name: 'key', type: 'file', accept: '.json,.key' });
  const step = h('form', { class: 'grid card', id: 'step-form', onsubmit: async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const body = { action: f.action.value, ...(f.comment.value ? { comment: f.comment.value } : {}) };
    try {
      if (body.action === 'decide') {
        // the body's key file, read here and sent with this request only (the server wipes it)
        const kf = keyInput.files[0];
        if (!kf) { msg.replaceChildren(h('div', { class: 'msg error', role: 'alert' }, t('cd.key.needed'))); return; }
        body.signing_key = JSON.parse(await kf.text());
        body.public_url = location.origin;
      }
      await api(`/cert/applications/${id}/steps`, { json: body });
      navigate('/desk/cert/' + id, true);
    } catch (err) { msg.replaceChildren(errorBox(err)); }
  } }, h('label', {}, t('cd.step'), h('select', { name: 'action' }, [...next.map((n) => n.action), 'comment'].map((s) => h('option', { value: s }, t('action.' + s), (next.find((n) => n.action === s)?.needs_evidence ? ' — ' + t('cd.needs.evidence') : ''))))),
  h('label', {}, t('factor.comment'), h('input', { name: 'comment' })), h('label', {}, t('cd.key'), keyInput), h('div', {}, h('button', { type: 'submit' }, t('cd.do'))));
  return h('section', {}, h('h1', {}, t('cert.app'), ' ', h('span', { class: 'mono' }, id)),
    kv([['common.status', statusBadge(a.status)], ['factor.category', a.category], ['cd.applicant', a.applicant_name || a.applicant_org], ['ws.footprint', h('span', { class: 'mono' }, a.footprint_id || '')], ['cd.due', fmtDate(a.due_at)],
      ['label.number', a.label_number ? link('/labels/' + encodeURIComponent(a.label_number), a.label_number) : null]]),
    msg, a.label_number ? null : [h('h2', {}, t('cd.next')), step, h('h2', {}, t('cd.evidence')), upload],
    table([{ title: t('cd.document'), cell: (d) => d.name || d.sha256 }, { title: t('cd.state'), cell: (d) => t('status.' + d.state, d.state || '') }, { title: t('cd.sha256'), cell: (d) => h('span', { class: 'mono' }, d.sha256 || '') }, { title: t('common.time'), cell: (d) => fmtDate(d.added_at) }], a.evidence || []),
    h('h2', {}, t('cd.steps')),
    table([{ title: t('common.time'), cell: (s) => fmtDate(s.at) }, { title: t('cd.step'), cell: (s) => t('action.' + s.action, s.action) }, { title: t('common.status'), cell: (s) => statusBadge(s.to_state || '') }, { title: t('factor.comment'), cell: (s) => s.comment || '' }], a.steps || []));
}

export async function render({ page, params }) {
  return page === 'certapp' ? app(params.id) : queue();
}
