// The public registry: labels with filters, comparison with a chart, the dishonest-entity list.
import { h, t, api, fmt, fmtDate, table, link, statusBadge, errorBox } from '../app.js';
import { chart, barOption } from '../charts.js';

const KEYS = ['product', 'category', 'region', 'company', 'grade', 'year', 'status'];

export async function render({ query }) {
  const q = new URLSearchParams();
  for (const k of KEYS) if (query.get(k)) q.set(k, query.get(k));
  q.set('limit', '50');
  const parts = [h('h1', {}, t('reg.title'))];
  const form = h('form', { class: 'grid card', role: 'search', onsubmit: (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const k of KEYS) if (e.target.elements[k].value.trim()) p.set(k, e.target.elements[k].value.trim());
    history.pushState(null, '', '/registry?' + p); dispatchEvent(new PopStateEvent('popstate'));
  } }, KEYS.map((k) => k === 'status'
    ? h('label', {}, t('reg.' + k), h('select', { name: k }, ['', 'valid', 'suspended', 'revoked', 'expired'].map((s) => h('option', { value: s, selected: (query.get(k) || '') === s }, s ? t('status.' + s) : t('common.any')))))
    : h('label', {}, t('reg.' + k), h('input', { name: k, value: query.get(k) || '' }))),
  h('div', {}, h('button', { type: 'submit' }, t('common.search'))));
  parts.push(form);
  try {
    const r = await api('/public/registry?' + q);
    const items = r.items || [];
    parts.push(h('p', { class: 'muted', role: 'status' }, t('common.results'), ' ', String(items.length) + (r.more ? '+' : '')),
      table([
        { title: t('label.number'), cell: (l) => link('/labels/' + encodeURIComponent(l.number), l.number) },
        { title: t('reg.product'), cell: (l) => l.product || '' },
        { title: t('reg.company'), cell: (l) => l.holder || '' },
        { title: t('reg.region'), cell: (l) => l.region || '' },
        { title: t('label.value'), num: true, cell: (l) => `${fmt(l.value)} kg CO₂e / ${l.declared_unit || ''}` },
        { title: t('label.grade'), cell: (l) => l.grade ?? '—' },
        { title: t('common.status'), cell: (l) => statusBadge(l.status) },
        { title: t('label.valid_until'), cell: (l) => fmtDate(l.valid_until) },
      ], items));
    const cat = query.get('category') || items[0]?.category;
    if (cat) {
      const c = await api('/public/registry/compare?' + new URLSearchParams({ category: cat })).catch(() => null);
      const rows = (c?.labels || items.filter((l) => l.category === cat)).slice(0, 20);
      const cname = c?.name ? (document.documentElement.lang === 'en' ? c.name.en : c.name.zh) : cat;
      if (rows.length) parts.push(h('h2', {}, t('reg.compare'), ': ', cname || cat), chart('reg.compare.chart', barOption(rows.map((l) => `${l.holder || ''} ${l.product || ''} (${l.number})`), rows.map((l) => l.value), 'kg CO₂e'), { tall: rows.length > 8, summary: rows.map((l) => `${l.number} ${fmt(l.value)}`).join(', ') }));
    }
  } catch (e) { parts.push(errorBox(e)); }
  parts.push(h('h2', { id: 'dishonest' }, t('reg.dishonest')));
  try {
    const d = await api('/public/dishonest');
    parts.push(table([
      { title: t('reg.entity'), cell: (x) => x.org_name || x.org_id || '' },
      { title: t('reg.reason'), cell: (x) => x.reason || '' },
      { title: t('reg.basis'), cell: (x) => x.legal_basis || '' },
      { title: t('reg.listed'), cell: (x) => fmtDate(x.listed_from) },
      { title: t('reg.until'), cell: (x) => fmtDate(x.listed_until) },
    ], d.items || []));
  } catch (e) { parts.push(errorBox(e)); }
  return h('section', {}, parts);
}
