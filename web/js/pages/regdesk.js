// The regulator's desk: factor review and publication, rules, the catalogue,
// benchmarks and grade thresholds, the dishonest-entity list, statistics
// with charts and a map of China by province.
import { h, t, api, fmt, fmtDate, table, link, statusBadge, errorBox, navigate } from '../app.js';
import { chart, barOption } from '../charts.js';

export async function render() {
  const msg = h('div', { 'aria-live': 'polite' });
  const [approved, rules, cat, bench, dis, stats, reg, bodies] = await Promise.all([
    api('/factors?status=approved&limit=50').catch(() => ({ items: [] })), api('/rules').catch(() => ({ items: [] })),
    api('/cert/catalogue').catch(() => ({ items: [] })), api('/grading/benchmarks').catch(() => ({ items: [] })),
    api('/public/dishonest').catch(() => ({ items: [] })), api('/public/grades/stats').catch(() => ({ items: [] })),
    api('/public/registry?limit=1000').catch(() => ({ items: [] })), api('/cert/bodies').catch(() => ({ items: [] }))]);
  const L = document.documentElement.lang === 'en' ? 'en' : 'zh';
  const parts = [h('h1', {}, t('rd.title')), msg];
  parts.push(h('h2', {}, t('rd.factors')), table([
    { title: t('factor.name'), cell: (f) => link('/factors/' + encodeURIComponent(f.id), f.name_zh) },
    { title: t('factor.value'), num: true, cell: (f) => `${fmt(f.value)} / ${f.unit || ''}` },
    { title: t('fd.decision'), cell: (f) => h('button', { type: 'button', onclick: async () => { try { await api(`/factors/${f.id}/transitions`, { json: { action: 'publish' } }); navigate('/desk/regulator', true); } catch (e) { msg.replaceChildren(errorBox(e)); } } }, t('action.publish')) },
  ], approved.items || []));
  // statistics: labels by province (map), grade and year
  const items = reg.items || [];
  const byProv = {}, byGrade = {}, byYear = {};
  for (const l of items) {
    const m = /^CN-(\d{6})-(\d{4})-/.exec(l.number || '');
    const prov = l.region ? String(l.region).slice(0, 2) + '0000' : m?.[1];
    const year = l.year || m?.[2];
    if (prov) byProv[prov] = (byProv[prov] || 0) + 1;
    if (year) byYear[year] = (byYear[year] || 0) + 1;
    const g = l.grade ?? '—'; byGrade[g] = (byGrade[g] || 0) + 1;
  }
  parts.push(h('h2', {}, t('rd.stats')), h('p', { class: 'muted' }, t('rd.stats.count'), ' ', String(items.length)));
  parts.push(chart('rd.map', (ec) => {
    const geo = ec.getMap('china')?.geoJson || ec.getMap('china')?.geoJSON;
    const names = Object.fromEntries((geo?.features || []).map((f) => [f.id, f.properties?.name]));
    const data = Object.entries(byProv).map(([code, n]) => ({ name: names[code] || code, value: n }));
    return { tooltip: { trigger: 'item' }, visualMap: { min: 0, max: Math.max(1, ...data.map((d) => d.value)), left: 8, bottom: 8, calculable: true, inRange: { color: ['#e6f2ec', '#0b5d3b'] } },
      series: [{ type: 'map', map: 'china', roam: false, data }] };
  }, { tall: true, map: true, summary: Object.entries(byProv).map(([k, v]) => `${k}: ${v}`).join(', ') }));
  parts.push(chart('rd.bygrade', barOption(Object.keys(byGrade), Object.values(byGrade), '')), chart('rd.byyear', barOption(Object.keys(byYear), Object.values(byYear), '')));
  const gs = stats.items || stats.categories || [];
  if (gs.length) parts.push(table([
    { title: t('factor.category'), cell: (s) => s.category || '' }, { title: t('factor.region'), cell: (s) => s.region || '' }, { title: t('factor.year'), cell: (s) => s.year ?? '' },
    { title: t('rd.count'), num: true, cell: (s) => s.n ?? '' },
    { title: t('rd.min'), num: true, cell: (s) => fmt(s.min) }, { title: 'P25', num: true, cell: (s) => fmt(s.p25) }, { title: t('rd.median'), num: true, cell: (s) => fmt(s.median) }, { title: 'P75', num: true, cell: (s) => fmt(s.p75) },
    { title: t('rd.max'), num: true, cell: (s) => fmt(s.max) }, { title: t('rd.mean'), num: true, cell: (s) => fmt(s.mean) },
  ], gs));
  parts.push(h('h2', {}, t('rd.catalogue')), table([
    { title: t('factor.category'), cell: (c) => c.category || '' }, { title: t('factor.name'), cell: (c) => (L === 'zh' ? c.name_zh : c.name_en) || c.name_zh || '' },
    { title: t('ws.rule'), cell: (c) => c.rule_id || '' }, { title: t('rd.validity'), num: true, cell: (c) => c.validity_months ?? '' }, { title: t('factor.source'), cell: (c) => c.source || '' },
    { title: t('common.status'), cell: (c) => statusBadge(c.status || '') },
  ], cat.items || []));
  parts.push(h('form', { class: 'grid card', id: 'catalogue-form', onsubmit: async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    try {
      await api('/cert/catalogue/' + encodeURIComponent(f.category.value.trim()), { method: 'PUT', json: { rule_id: f.rule_id.value.trim(), name_zh: f.name_zh.value, name_en: f.name_en.value, ...(f.validity.value ? { validity_months: Number(f.validity.value) } : {}), ...(f.source.value ? { source: f.source.value } : {}) } });
      navigate('/desk/regulator', true);
    } catch (err) { msg.replaceChildren(errorBox(err)); }
  } }, [['category', 'factor.category'], ['rule_id', 'ws.rule'], ['name_zh', 'factor.name_zh'], ['name_en', 'factor.name_en'], ['validity', 'rd.validity'], ['source', 'factor.source']]
    .map(([n, k]) => h('label', {}, t(k), h('input', { name: n, required: ['category', 'rule_id', 'name_zh', 'name_en'].includes(n), type: n === 'validity' ? 'number' : 'text' }))),
  h('div', {}, h('button', { type: 'submit' }, t('rd.catalogue.put')))));
  // certification bodies: registration with scope, keys
  parts.push(h('h2', {}, t('rd.bodies')), table([
    { title: t('reg.entity'), cell: (b) => b.name || b.org_id }, { title: t('rd.scope'), cell: (b) => (b.scope || []).join(', ') }, { title: t('common.status'), cell: (b) => statusBadge(b.status || '') },
    { title: t('rd.keys'), cell: (b) => (b.keys || []).map((k) => `${k.key_id} (${t('keystatus.' + k.status, k.status)})`).join('; ') },
  ], bodies.items || []), h('form', { class: 'grid card', id: 'body-form', onsubmit: async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    try {
      const org = f.org.value.trim();
      if (!(bodies.items || []).some((b) => b.name === org || b.org_id === org))
        await api('/cert/bodies', { json: { org, scope: f.scope.value.split(/[ ,]+/).filter(Boolean), ...(f.accreditation.value ? { accreditation: f.accreditation.value } : {}) } });
      else await api(`/cert/bodies/${encodeURIComponent(org)}/scope`, { method: 'PUT', json: { scope: f.scope.value.split(/[ ,]+/).filter(Boolean) } });
      if (f.public_key.value.trim()) await api(`/cert/bodies/${encodeURIComponent(org)}/keys`, { json: { public_key: f.public_key.value.trim() } });
      navigate('/desk/regulator', true);
    } catch (err) { msg.replaceChildren(errorBox(err)); }
  } }, h('label', {}, t('reg.entity'), h('input', { name: 'org', required: true })), h('label', {}, t('rd.scope'), h('input', { name: 'scope', required: true })),
  h('label', {}, t('rd.accreditation'), h('input', { name: 'accreditation' })), h('label', {}, t('rd.pubkey'), h('input', { name: 'public_key', class: 'mono' })),
  h('div', {}, h('button', { type: 'submit' }, t('rd.body.register')))));
  parts.push(h('h2', {}, t('rd.benchmarks')), table([
    { title: t('factor.category'), cell: (b) => b.category || '' }, { title: t('factor.version'), cell: (b) => b.version ?? '' }, { title: t('rd.method'), cell: (b) => b.method || '' },
    { title: t('rd.thresholds'), cell: (b) => (b.bands || b.thresholds || []).map((x) => (typeof x === 'object' ? `${x.grade ?? ''}: ≤ ${fmt(x.max ?? x.upper)}` : fmt(x))).join(' / ') }, { title: t('rd.count'), num: true, cell: (b) => b.n ?? '' }, { title: t('common.created'), cell: (b) => fmtDate(b.created_at) },
  ], bench.items || []), h('form', { class: 'grid card', id: 'bench-form', onsubmit: async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    try { await api('/grading/benchmarks', { json: { category: f.category.value, method: 'thresholds', thresholds: f.thresholds.value.split(/[ ,/]+/).filter(Boolean).map(Number), ...(f.source.value ? { note: f.source.value } : {}) } }); navigate('/desk/regulator', true); } catch (err) { msg.replaceChildren(errorBox(err)); }
  } }, h('label', {}, t('factor.category'), h('input', { name: 'category', required: true })), h('label', {}, t('rd.thresholds'), h('input', { name: 'thresholds', required: true })),
  h('label', {}, t('rd.note'), h('input', { name: 'source', required: true })), h('div', {}, h('button', { type: 'submit' }, t('rd.bench.set')))));
  parts.push(h('h2', {}, t('reg.dishonest')), table([
    { title: t('reg.entity'), cell: (x) => x.org_name || x.org_id || '' }, { title: t('reg.reason'), cell: (x) => x.reason || '' }, { title: t('reg.basis'), cell: (x) => x.legal_basis || '' }, { title: t('reg.listed'), cell: (x) => fmtDate(x.listed_from) },
    { title: '', cell: (x) => h('button', { type: 'button', class: 'secondary', onclick: async () => { try { await api(`/cert/dishonest/${x.id}/remove`, { json: { reason: 'ended' } }); navigate('/desk/regulator', true); } catch (e) { msg.replaceChildren(errorBox(e)); } } }, t('rd.unlist')) },
  ], dis.items || []), h('form', { class: 'grid card', onsubmit: async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    try { await api('/cert/dishonest', { json: { org: f.org.value, reason: f.reason.value, legal_basis: f.basis.value } }); navigate('/desk/regulator', true); } catch (err) { msg.replaceChildren(errorBox(err)); }
  } }, h('label', {}, t('reg.entity'), h('input', { name: 'org', required: true })), h('label', {}, t('reg.reason'), h('input', { name: 'reason', required: true })), h('label', {}, t('reg.basis'), h('input', { name: 'basis', required: true })), h('div', {}, h('button', { type: 'submit', class: 'danger' }, t('rd.list')))));
  parts.push(h('h2', {}, t('rd.rules')), table([
    { title: t('rd.rule.id'), cell: (r) => r.id }, { title: t('rd.rule.title'), cell: (r) => r.title?.[L] || '' }, { title: t('factor.region'), cell: (r) => r.region || '' },
    { title: t('rd.level'), cell: (r) => r.level || '' }, { title: t('common.status'), cell: (r) => statusBadge(r.status) },
  ], (rules.items || []).slice(0, 100)));
  return h('section', {}, parts);
}
