// Factor submitter and expert desks: submit (with the evidence's document), review queue, decisions.
import { h, t, api, fmt, fmtDate, table, link, statusBadge, errorBox, navigate, session } from '../app.js';

const ACTIONS = { submitted: ['review', 'reject'], under_review: ['approve', 'reject'], approved: ['publish'], draft: ['submit'] };

export async function render() {
  const parts = [h('h1', {}, t('fd.title'))];
  const msg = h('div', { 'aria-live': 'polite' });
  if (session.has('submitter')) {
    parts.push(h('h2', {}, t('fd.submit')), h('form', { class: 'grid card', id: 'factor-form', onsubmit: async (e) => {
      e.preventDefault();
      const f = e.target.elements;
      const body = { name_zh: f.name_zh.value, name_en: f.name_en.value, category: f.category.value, unit: f.unit.value, value: Number(f.value.value), region: f.region.value, ref_year: Number(f.ref_year.value), source_doc: f.source_doc.value, gwp_set: f.gwp_set.value };
      try {
        const r = await api('/factors', { json: body });
        await api(`/factors/${r.id}/transitions`, { json: { action: 'submit', ...(f.evidence.value ? { reason: f.evidence.value } : {}) } });
        navigate('/desk/factors', true);
      } catch (err) { msg.replaceChildren(errorBox(err)); }
    } }, [['name_zh', 'factor.name_zh'], ['name_en', 'factor.name_en'], ['category', 'factor.category'], ['unit', 'factor.unit'], ['value', 'factor.value'], ['region', 'factor.region'], ['ref_year', 'factor.year'], ['source_doc', 'factor.source'], ['evidence', 'fd.evidence']]
      .map(([n, k]) => h('label', {}, t(k), h('input', { name: n, required: !['name_en', 'evidence'].includes(n), type: ['value', 'ref_year'].includes(n) ? 'number' : 'text', step: n === 'value' ? 'any' : null }))),
    h('label', {}, t('factor.gwp'), h('select', { name: 'gwp_set' }, ['AR6', 'AR5'].map((g) => h('option', { value: g }, g)))),
    h('div', {}, h('button', { type: 'submit' }, t('fd.submit.button')))), msg);
  }
  for (const st of ['draft', 'submitted', 'under_review', 'approved']) {
    const r = await api('/factors?' + new URLSearchParams({ status: st, limit: '50' })).catch(() => ({ items: [] }));
    const acts = ACTIONS[st].filter((a) => (a === 'publish' ? session.has('regulator') : a === 'submit' ? session.has('submitter') : session.has('reviewer')));
    parts.push(h('h2', {}, t('fd.queue'), ': ', t('status.' + st)), table([
      { title: t('factor.name'), cell: (f) => link('/factors/' + encodeURIComponent(f.id), f.name_zh || f.name_en) },
      { title: t('factor.value'), num: true, cell: (f) => `${fmt(f.value)} / ${f.unit || ''}` },
      { title: t('factor.source'), cell: (f) => f.source_doc || '' },
      { title: t('common.updated'), cell: (f) => fmtDate(f.updated_at || f.created_at) },
      { title: t('fd.decision'), cell: (f) => h('div', { class: 'row' }, acts.map((a) => h('button', { type: 'button', class: a === 'reject' ? 'danger' : '', onclick: async () => {
        const comment = a === 'reject' ? prompt(t('fd.reason')) : '';
        try { await api(`/factors/${f.id}/transitions`, { json: { action: a, ...(comment ? { reason: comment } : {}) } }); navigate('/desk/factors', true); } catch (err) { msg.replaceChildren(errorBox(err)); }
      } }, t('action.' + a)))) },
    ], r.items || []));
  }
  return h('section', {}, parts);
}
