// The factor database: search (Chinese and English), a factor's source, history, versions and status.
import { h, t, api, fmt, fmtDate, table, kv, link, statusBadge } from '../app.js';

async function search(query) {
  const q = new URLSearchParams();
  for (const k of ['q', 'category', 'region', 'status']) if (query.get(k)) q.set(k, query.get(k));
  q.set('limit', '50');
  const r = await api('/factors?' + q);
  const form = h('form', { class: 'grid card', role: 'search', onsubmit: (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const k of ['q', 'category', 'region', 'status']) if (e.target.elements[k].value.trim()) p.set(k, e.target.elements[k].value.trim());
    history.pushState(null, '', '/factors?' + p); dispatchEvent(new PopStateEvent('popstate'));
  } },
  h('label', {}, t('factor.q'), h('input', { name: 'q', type: 'search', value: query.get('q') || '' })),
  h('label', {}, t('factor.category'), h('input', { name: 'category', value: query.get('category') || '' })),
  h('label', {}, t('factor.region'), h('input', { name: 'region', value: query.get('region') || '' })),
  h('label', {}, t('common.status'), h('select', { name: 'status' }, ['', 'published', 'approved', 'submitted', 'draft', 'deprecated'].map((s) => h('option', { value: s, selected: (query.get('status') || '') === s }, s ? t('status.' + s) : t('common.any'))))),
  h('div', {}, h('button', { type: 'submit' }, t('common.search'))));
  return h('section', {}, h('h1', {}, t('factor.title')), form,
    h('p', { class: 'muted', role: 'status' }, t('common.results'), ' ', String(r.total ?? (r.items || []).length)),
    table([
      { title: t('factor.name'), cell: (f) => link('/factors/' + encodeURIComponent(f.id), document.documentElement.lang === 'en' ? (f.name_en || f.name_zh) : (f.name_zh || f.name_en)) },
      { title: t('factor.value'), num: true, cell: (f) => `${fmt(f.value, 6)} ${f.unit ? 'kg CO2e/' + f.unit : ''}` },
      { title: t('factor.region'), cell: (f) => f.region || '' },
      { title: t('factor.year'), cell: (f) => f.ref_year ?? '' },
      { title: t('factor.version'), cell: (f) => f.version ?? '' },
      { title: t('common.status'), cell: (f) => statusBadge(f.status) },
    ], r.items || []));
}

async function detail(id) {
  const f = await api('/factors/' + encodeURIComponent(id));
  const hist = await api(`/factors/${encodeURIComponent(id)}/history`).catch(() => ({ events: [] }));
  const versions = f.factor_id || f.key ? await api('/factors?' + new URLSearchParams({ q: f.name_zh || '', limit: '50', all_versions: '1' })).catch(() => ({ items: [] })) : { items: [] };
  const same = (versions.items || []).filter((v) => v.name_zh === f.name_zh && v.region === f.region);
  return h('section', {}, h('h1', {}, f.name_zh || f.id, f.name_en ? h('span', { class: 'muted', lang: 'en' }, ' / ' + f.name_en) : null),
    kv([
      ['factor.value', `${fmt(f.value, 8)} kg CO2e / ${f.unit || ''}`], ['common.status', statusBadge(f.status)],
      ['factor.category', f.category], ['factor.region', f.region], ['factor.year', f.ref_year], ['factor.version', f.version],
      ['factor.gwp', f.gwp_set], ['factor.source', f.source_doc || f.source], ['factor.uncertainty', f.uncertainty],
      ['factor.id', h('span', { class: 'mono' }, f.id)],
    ]),
    h('h2', {}, t('factor.history')),
    table([
      { title: t('common.time'), cell: (e) => fmtDate(e.at || e.created_at) },
      { title: t('factor.action'), cell: (e) => t('action.' + (e.action || e.kind), e.action || e.kind) },
      { title: t('common.status'), cell: (e) => statusBadge(e.to_status || e.status || '') },
      { title: t('factor.comment'), cell: (e) => e.reason || e.comment || '' },
    ], hist.events || []),
    h('h2', {}, t('factor.versions')),
    table([
      { title: t('factor.version'), cell: (v) => link('/factors/' + encodeURIComponent(v.id), String(v.version ?? v.id)) },
      { title: t('factor.value'), num: true, cell: (v) => fmt(v.value, 6) },
      { title: t('factor.year'), cell: (v) => v.ref_year ?? '' },
      { title: t('common.status'), cell: (v) => statusBadge(v.status) },
    ], same));
}

export async function render({ page, params, query }) {
  return page === 'factor' ? detail(params.id) : search(query);
}
