// The regulator's desk: factor review and publication, rules, the catalogue,
// benchmarks and grade thresholds, the dishonest-entity list, statistics
// with charts and a map of China by province.
import { h, t, api, fmt, fmtDate, table, link, statusBadge, errorBox, navigate } from '../app.js';
import { chart, barOption } from '../charts.js';

export async function render() {
  const msg = h('div', { 'aria-live': 'polite' });
  const [approved, rules, cat, bench, dis, stats, reg] = await Promise.all([
    api('/factors?status=approved&limit=50').catch(() => ({ items: [] })), api('/rules').catch(() => ({ items: [] })),
    api('/cert/catalogue').catch(() => ({ items: [] })), api('/grading/benchmarks').catch(() => ({ items: [] })),
    api('/public/dishonest').catch(() => ({ items: [] })), api('/public/grades/stats').catch(() => ({ items: [] })),
    api('/public/registry?limit=1000').catch(() => ({ items: [] }))]);
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
    if (m) { byProv[m[1]] = (byProv[m[1]] || 0) + 1; byYear[m[2]] = (byYear[m[2]] || 0) + 1; }
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
    { title: t('factor.category'), cell: (s) => s.category || '' }, { title: t('rd.count'), num: true, cell: (s) => s.count ?? '' },
    { title: t('rd.min'), num: true, cell: (s) => fmt(s.min) }, { title: t('rd.median'), num: true, cell: (s) => fmt(s.median ?? s.q2) },
    { title: t('rd.max'), num: true, cell: (s) => fmt(s.max) }, { title: t('rd.mean'), num: true, cell: (s) => fmt(s.mean) },
  ], gs));
  parts.push(h('h2', {}, t('rd.catalogue')), table([
    { title: t('factor.category'), cell: (c) => c.category || '' }, { title: t('factor.name'), cell: (c) => c.name_zh && L === 'zh' ? c.name_zh : (c.name_en || c.name_zh || '') },
    { title: t('ws.rule'), cell: (c) => c.rule || c.rule_id || '' }, { title: t('common.status'), cell: (c) => statusBadge(c.status || 'valid') },
  ], cat.items || []));
  parts.push(h('h2', {}, t('rd.benchmarks')), table([
    { title: t('factor.category'), cell: (b) => b.category || '' }, { title: t('factor.version'), cell: (b) => b.version ?? '' },
    { title: t('rd.thresholds'), cell: (b) => (b.thresholds || []).map((x) => fmt(x)).join(' / ') }, { title: t('common.created'), cell: (b) => fmtDate(b.created_at || b.effective) },
  ], bench.items || []), h('form', { class: 'grid card', id: 'bench-form', onsubmit: async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    try { await api('/grading/benchmarks', { json: { category: f.category.value, thresholds: f.thresholds.value.split(/[ ,/]+/).filter(Boolean).map(Number), source: f.source.value } }); navigate('/desk/regulator', true); } catch (err) { msg.replaceChildren(errorBox(err)); }
  } }, h('label', {}, t('factor.category'), h('input', { name: 'category', required: true })), h('label', {}, t('rd.thresholds'), h('input', { name: 'thresholds', required: true })),
  h('label', {}, t('factor.source'), h('input', { name: 'source', required: true })), h('div', {}, h('button', { type: 'submit' }, t('rd.bench.set')))));
  parts.push(h('h2', {}, t('reg.dishonest')), table([
    { title: t('reg.entity'), cell: (x) => x.org_name || x.name || x.org || '' }, { title: t('reg.reason'), cell: (x) => x.reason || '' }, { title: t('reg.listed'), cell: (x) => fmtDate(x.listed_at || x.created_at) },
    { title: '', cell: (x) => h('button', { type: 'button', class: 'secondary', onclick: async () => { try { await api(`/cert/dishonest/${x.id}/remove`, { json: { reason: 'ended' } }); navigate('/desk/regulator', true); } catch (e) { msg.replaceChildren(errorBox(e)); } } }, t('rd.unlist')) },
  ], dis.items || []), h('form', { class: 'grid card', onsubmit: async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    try { await api('/cert/dishonest', { json: { org: f.org.value, reason: f.reason.value } }); navigate('/desk/regulator', true); } catch (err) { msg.replaceChildren(errorBox(err)); }
  } }, h('label', {}, t('reg.entity'), h('input', { name: 'org', required: true })), h('label', {}, t('reg.reason'), h('input', { name: 'reason', required: true })), h('div', {}, h('button', { type: 'submit', class: 'danger' }, t('rd.list')))));
  parts.push(h('h2', {}, t('rd.rules')), table([
    { title: t('rd.rule.id'), cell: (r) => r.id }, { title: t('rd.rule.title'), cell: (r) => r.title?.[L] || '' }, { title: t('factor.region'), cell: (r) => r.region || '' },
    { title: t('rd.level'), cell: (r) => r.level || '' }, { title: t('common.status'), cell: (r) => statusBadge(r.status) },
  ], (rules.items || []).slice(0, 100)));
  return h('section', {}, parts);
}
