// The enterprise workspace: models, calculations, results, rule checks,
// reports, label applications, disclosure and partners.
import { h, t, api, fmt, fmtDate, table, kv, link, statusBadge, errorBox, navigate } from '../app.js';
import { chart, barOption } from '../charts.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const STAGES = ['raw_materials', 'production', 'distribution', 'use', 'end_of_life'];

function subnav(active) {
  return h('nav', { class: 'row', 'aria-label': t('ws.subnav') }, [
    ['/workspace', 'ws.models'], ['/workspace/labels', 'ws.labels'], ['/workspace/disclosure', 'ws.disclosure'], ['/workspace/partners', 'ws.partners'],
  ].map(([href, k]) => { const a = link(href, t(k)); if (href === active) a.setAttribute('aria-current', 'page'); return a; }));
}

async function optional(path, fallback) {
  try { return await api(path); } catch (e) { if (e.status === 404 || e.status === 405) return fallback; throw e; }
}

async function download(path, name) {
  const r = await api(path, { raw: true });
  const blob = await r.blob();
  const a = h('a', { href: URL.createObjectURL(blob), download: name });
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

async function models() {
  const [ms, fps] = await Promise.all([api('/models?limit=200'), api('/footprints?limit=200')]);
  const msg = h('div', { 'aria-live': 'polite' });
  const up = h('form', { class: 'grid card', id: 'upload-form', onsubmit: async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const file = f.file.files[0];
    if (!file) return;
    const q = new URLSearchParams();
    for (const k of ['name', 'product_zh', 'product_en', 'unit', 'category', 'region']) if (f[k].value.trim()) q.set(k, f[k].value.trim());
    f.go.disabled = true;
    msg.replaceChildren(h('p', { role: 'status' }, t('ws.uploading')));
    try {
      const r = await api('/models/from-sheets?' + q, { body: await file.arrayBuffer(), type: XLSX });
      const un = r.sheets?.unmatched || [];
      msg.replaceChildren(h('div', { class: 'msg ok', role: 'status' }, t('ws.uploaded'), ' ', r.name, ' (', t('ws.lines'), ' ', r.sheets?.lines ?? '—', ')'),
        un.length ? h('div', { class: 'msg warn' }, t('ws.unmatched'), ': ', un.map((u) => u.where || u.cell || JSON.stringify(u)).join(', ')) : null);
      navigate('/workspace/models/' + r.id);
    } catch (err) { msg.replaceChildren(errorBox(err)); f.go.disabled = false; }
  } },
  h('label', {}, t('ws.file'), h('input', { name: 'file', type: 'file', accept: '.xlsx,' + XLSX, required: true })),
  h('label', {}, t('ws.model.name'), h('input', { name: 'name', required: true })),
  h('label', {}, t('ws.product.zh'), h('input', { name: 'product_zh', required: true })),
  h('label', {}, t('ws.product.en'), h('input', { name: 'product_en' })),
  h('label', {}, t('ws.unit'), h('input', { name: 'unit', required: true, value: 't' })),
  h('label', {}, t('ws.category'), h('input', { name: 'category' })),
  h('label', {}, t('ws.region'), h('input', { name: 'region', placeholder: '530000' })),
  h('div', {}, h('button', { type: 'submit', name: 'go' }, t('ws.upload'))));
  return h('section', {}, h('h1', {}, t('ws.title')), subnav('/workspace'),
    h('h2', {}, t('ws.upload.title')), h('p', { class: 'muted' }, t('ws.upload.help')), up, msg,
    h('h2', {}, t('ws.models')),
    table([
      { title: t('ws.model.name'), cell: (m) => link('/workspace/models/' + m.id, m.name) },
      { title: t('ws.revision'), num: true, cell: (m) => m.revision },
      { title: t('common.updated'), cell: (m) => fmtDate(m.updated_at) },
    ], ms.items || []),
    h('h2', {}, t('ws.footprints')),
    table([
      { title: t('ws.product'), cell: (f) => link('/workspace/footprints/' + f.id, f.product || f.id) },
      { title: t('ws.total'), num: true, cell: (f) => `${fmt(f.total)} ${t('label.unit.kg')} / ${f.amount ?? ''} ${f.unit || ''}` },
      { title: t('ws.check'), cell: (f) => statusBadge(f.check_status) },
      { title: t('common.created'), cell: (f) => fmtDate(f.created_at) },
    ], fps.items || []));
}

async function model(id) {
  const m = await api('/models/' + encodeURIComponent(id));
  const msg = h('div', { 'aria-live': 'polite' });
  const doc = m.model || {};
  const procs = doc.processes || [];
  // the form: the model's name, each process's name and its exchanges' amounts; the whole document as JSON below
  const rows = [];
  procs.forEach((p, pi) => (p.exchanges || p.inputs || []).forEach((x, xi) => rows.push({ p, pi, x, xi })));
  const amounts = table([
    { title: t('ws.process'), cell: (r) => r.p.name || r.p.id },
    { title: t('ws.flow'), cell: (r) => r.x.name || r.x.factor || r.x.flow || r.x.query || '' },
    { title: t('ws.amount'), num: true, cell: (r) => h('input', { type: 'number', step: 'any', value: r.x.amount, 'aria-label': `${t('ws.amount')} ${r.p.name || r.p.id} ${r.x.name || r.x.factor || ''}`, 'data-pi': r.pi, 'data-xi': r.xi, class: 'amount' }) },
    { title: t('ws.unit'), cell: (r) => r.x.unit || '' },
  ], rows);
  const json = h('textarea', { name: 'json', rows: 12, 'aria-label': t('ws.model.json') }, JSON.stringify(doc, null, 2));
  const form = h('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    let d;
    try { d = JSON.parse(json.value); } catch { msg.replaceChildren(h('div', { class: 'msg error', role: 'alert' }, t('ws.json.bad'))); return; }
    for (const inp of form.querySelectorAll('input.amount')) {
      const x = (d.processes?.[inp.dataset.pi]?.exchanges || d.processes?.[inp.dataset.pi]?.inputs || [])[inp.dataset.xi];
      if (x && inp.value !== '' && Number(inp.value) !== x.amount) x.amount = Number(inp.value);
    }
    try {
      const r = await api('/models/' + encodeURIComponent(id), { method: 'PUT', json: { name: e.target.elements.name.value, model: d, revision: m.revision } });
      msg.replaceChildren(h('div', { class: 'msg ok', role: 'status' }, t('ws.saved'), ' ', t('ws.revision'), ' ', r?.revision ?? ''));
      m.revision = r?.revision ?? m.revision + 1;
    } catch (err) { msg.replaceChildren(errorBox(err)); }
  } }, h('label', {}, t('ws.model.name'), h('input', { name: 'name', value: m.name, required: true })),
  h('h3', {}, t('ws.amounts')), amounts, h('details', {}, h('summary', {}, t('ws.model.json')), json),
  h('p', {}, h('button', { type: 'submit' }, t('common.save'))));

  // calculation with progress
  const prog = h('progress', { max: 1, value: 0, 'aria-label': t('ws.progress') });
  const calcMsg = h('div', { 'aria-live': 'polite' });
  const rules = await api('/rules').catch(() => ({ items: [] }));
  const ruleOptions = () => [h('option', { value: '' }, t('ws.rule.none')), ...(rules.items || []).map((r) => h('option', { value: r.id }, `${r.id} — ${r.title?.[document.documentElement.lang === 'en' ? 'en' : 'zh'] || ''}`))];
  const calc = h('form', { class: 'row card', onsubmit: async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    f.go.disabled = true;
    calcMsg.replaceChildren(h('p', { role: 'status' }, t('ws.calc.queued')), prog);
    try {
      let j = await api('/calculations', { json: { model_id: id, save: true, mc: Number(f.mc.value) || 0, ...(f.rule.value ? { rule: f.rule.value } : {}) } });
      for (;;) {
        j = await api('/calculations/' + j.id);
        prog.value = j.progress || 0;
        calcMsg.firstChild.textContent = t('status.' + j.status, j.status) + ' ' + Math.round((j.progress || 0) * 100) + '%';
        if (['done', 'failed', 'cancelled'].includes(j.status)) break;
        await new Promise((r) => setTimeout(r, 150));
      }
      if (j.status === 'done' && j.result?.footprint_id) navigate('/workspace/footprints/' + j.result.footprint_id);
      else { calcMsg.append(h('div', { class: 'msg error', role: 'alert' }, j.error?.message || j.error || t('status.' + j.status, j.status))); f.go.disabled = false; }
    } catch (err) { calcMsg.replaceChildren(errorBox(err)); f.go.disabled = false; }
  } }, h('label', {}, t('ws.mc'), h('input', { name: 'mc', type: 'number', min: 0, max: 100000, value: 1000 })),
  h('label', {}, t('ws.rule'), h('select', { name: 'rule' }, ruleOptions())),
  h('button', { type: 'submit', name: 'go' }, t('ws.calculate')), calcMsg);

  // rule check
  const checkOut = h('div', { 'aria-live': 'polite' });
  const check = h('form', { class: 'row card', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const r = await api('/checks', { json: { model_id: id, rule: e.target.elements.rule.value } });
      const vs = r.violations || r.findings || [];
      checkOut.replaceChildren(h('p', {}, t('ws.check.result'), ' ', statusBadge(r.status || (vs.length ? 'fail' : 'pass'))),
        table([
          { title: t('ws.check.where'), cell: (v) => v.path || v.where || v.process || v.location || '' },
          { title: t('ws.check.rule'), cell: (v) => v.rule || v.code || v.id || '' },
          { title: t('ws.check.message'), cell: (v) => v.message?.[document.documentElement.lang === 'en' ? 'en' : 'zh'] || v.message_zh || v.message || '' },
        ], vs));
    } catch (err) { checkOut.replaceChildren(errorBox(err)); }
  } }, h('label', {}, t('ws.rule'), h('select', { name: 'rule' }, ruleOptions().slice(1))),
  h('button', { type: 'submit' }, t('ws.check.run')), checkOut);

  return h('section', {}, h('h1', {}, t('ws.model'), ' ', m.name), subnav(''),
    kv([['ws.revision', String(m.revision)], ['common.updated', fmtDate(m.updated_at)], ['ws.digest', h('span', { class: 'mono' }, m.digest)]]),
    h('h2', {}, t('ws.edit')), form, msg, h('h2', {}, t('ws.calculate')), calc, h('h2', {}, t('ws.check')), check);
}

function sankey(paths) {
  // the contribution tree (result.paths: depth-first, parent index) as a Sankey: value = upstream CO2e
  const nodes = paths.map((p, i) => ({ name: `${p.name || p.id} #${i}` }));
  const links = paths.filter((p) => p.parent >= 0).map((p) => ({ source: nodes[paths.indexOf(p)].name, target: nodes[p.parent].name, value: Math.max(p.upstream, 0) }));
  return { tooltip: { trigger: 'item' }, series: [{ type: 'sankey', data: nodes, links, emphasis: { focus: 'adjacency' }, label: { formatter: (x) => x.name.replace(/ #\d+$/, '') }, lineStyle: { color: 'gradient', curveness: 0.5 } }] };
}

// The Monte Carlo draws of the total as a histogram (the server bins them:
// result.uncertainty.histogram, equal bins from the smallest to the largest
// draw), with the mean and the 2.5 / 97.5 percentiles marked.
function mcHistogram(hist, tot, unit) {
  const w = (hist.hi - hist.lo) / hist.counts.length;
  // every draw equal (no uncertainty in the data): one bar
  const counts = w > 0 ? hist.counts : [hist.counts.reduce((a, b) => a + b, 0)];
  const n = counts.length;
  // a category axis of the bins (labelled by their centres, with the digits their width needs);
  // a mark sits on the bin that holds its value
  const digits = w > 0 ? Math.min(10, Math.max(3, Math.ceil(Math.log10(Math.max(Math.abs(hist.lo), Math.abs(hist.hi)) / w)) + 1)) : 6;
  const centres = counts.map((_, i) => fmt(hist.lo + (i + 0.5) * w, digits));
  const binOf = (x) => (w > 0 ? Math.min(n - 1, Math.max(0, Math.floor((x - hist.lo) / w))) : 0);
  const line = (x, key, color) => ({ xAxis: binOf(x), name: t(key), lineStyle: { color, type: key === 'ws.mc.mean' ? 'solid' : 'dashed', width: 2 }, label: { formatter: `${t(key)} ${fmt(x, digits)}`, color, position: key === 'ws.mc.p2_5' ? 'insideEndBottom' : key === 'ws.mc.p97_5' ? 'insideEndTop' : 'end' } });
  const summary = `${t('ws.mc.mean')} ${fmt(tot.mean, digits)}, P2.5 ${fmt(tot.p2_5, digits)}, P97.5 ${fmt(tot.p97_5, digits)}; ${fmt(hist.lo, digits)} … ${fmt(hist.hi, digits)} ${unit}`;
  return chart('ws.chart.mchist', {
    tooltip: { trigger: 'axis', formatter: (ps) => { const p = ps[0]; if (!p) return ''; const i = p.dataIndex; return `${fmt(hist.lo + i * w, digits)} – ${fmt(hist.lo + (i + 1) * w, digits)} ${unit}: ${p.value}`; } },
    grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
    xAxis: { type: 'category', name: unit, data: centres, axisTick: { alignWithLabel: true } },
    yAxis: { type: 'value', name: t('ws.mc.draws'), minInterval: 1 },
    series: [{ type: 'bar', name: t('ws.mc.draws'), data: counts, barMaxWidth: 80, barCategoryGap: '8%', itemStyle: { color: '#5b8f74' },
      markLine: { symbol: 'none', silent: true, data: [line(tot.p2_5, 'ws.mc.p2_5', '#9a4d00'), line(tot.mean, 'ws.mc.mean', '#0b2e59'), line(tot.p97_5, 'ws.mc.p97_5', '#9a4d00')] } }],
  }, { summary });
}

async function footprint(id) {
  const fp = await api('/footprints/' + encodeURIComponent(id));
  const r = fp.result || {};
  const unit = r.unit || 'kg CO2e';
  const parts = [h('h1', {}, t('ws.result'), ' ', fp.product || ''), subnav(''),
    kv([['ws.total', h('strong', { id: 'fp-total' }, `${fmt(r.total ?? fp.total, 6)} ${unit} / ${fp.amount ?? ''} ${fp.unit || ''}`)], ['ws.gwp', fp.gwp], ['ws.check', statusBadge(fp.check_status)], ['ws.rule', fp.rule_id], ['common.created', fmtDate(fp.created_at)], ['ws.digest', h('span', { class: 'mono' }, fp.digest)]])];
  const stages = STAGES.map((s) => [t('stage.' + s), r.by_stage?.[s] ?? 0]);
  parts.push(chart('ws.chart.stage', barOption(stages.map((x) => x[0]), stages.map((x) => x[1]), unit), { summary: stages.map(([a, b]) => `${a} ${fmt(b)}`).join(', ') }));
  const gases = (r.by_gas || []).map((g) => ({ name: g.gas || g.name || g.id, value: g.co2e ?? g.value }));
  parts.push(gases.length ? chart('ws.chart.gas', { tooltip: { trigger: 'item' }, series: [{ type: 'pie', radius: ['35%', '70%'], data: gases }] })
    : h('p', { class: 'muted' }, t('ws.chart.gas'), ': ', t('ws.nogas')));
  const hot = (r.unsplit_factors || r.hotspots || []).slice(0, 12);
  if (hot.length) parts.push(chart('ws.chart.hotspots', barOption(hot.map((x) => x.name || x.flow), hot.map((x) => x.co2e), unit), { tall: hot.length > 8 }));
  if ((r.paths || []).length > 1) parts.push(chart('ws.chart.sankey', sankey(r.paths), { tall: true }));
  const u = r.uncertainty;
  if (u?.total) {
    const tot = u.total;
    const hist = u.histogram;
    if (hist?.counts?.length) parts.push(mcHistogram(hist, tot, unit));
    // each stage's 95 % interval and median
    const rows = [['ws.total', tot], ...STAGES.filter((s) => u.by_stage?.[s]?.p97_5 > 0).map((s) => ['stage.' + s, u.by_stage[s]])];
    parts.push(chart('ws.chart.mc', {
      tooltip: { trigger: 'axis' }, grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
      xAxis: { type: 'value', name: unit }, yAxis: { type: 'category', data: rows.map(([k]) => t(k)), inverse: true },
      series: [{ type: 'boxplot', data: rows.map(([, s]) => [s.p2_5, s.p2_5, s.p50, s.p97_5, s.p97_5]) }, { type: 'scatter', name: t('ws.mc.mean'), data: rows.map(([, s]) => s.mean) }],
    }), h('p', { class: 'muted', id: 'mc-figures' }, t('ws.mc.iterations'), ' ', String(u.iterations), '; ', t('ws.mc.mean'), ' ', fmt(tot.mean), ', P2.5 ', fmt(tot.p2_5), ', P50 ', fmt(tot.p50), ', P97.5 ', fmt(tot.p97_5)));
  }
  // report downloads, publication, certification
  const act = h('div', { 'aria-live': 'polite' });
  parts.push(h('h2', {}, t('ws.actions')), h('div', { class: 'row' },
    h('button', { type: 'button', class: 'secondary', onclick: () => download(`/footprints/${id}/report?format=pdf&lang=${document.documentElement.lang === 'en' ? 'en' : 'zh'}`, `footprint-${id}.pdf`).catch((e) => act.replaceChildren(errorBox(e))) }, t('ws.report.pdf')),
    h('button', { type: 'button', class: 'secondary', onclick: () => download(`/footprints/${id}/report?format=html&lang=${document.documentElement.lang === 'en' ? 'en' : 'zh'}`, `footprint-${id}.html`).catch((e) => act.replaceChildren(errorBox(e))) }, t('ws.report.html')),
    h('button', { type: 'button', class: 'secondary', onclick: async () => { try { await api(`/footprints/${id}/publish`, { method: 'POST' }); act.replaceChildren(h('div', { class: 'msg ok', role: 'status' }, t('ws.published'))); } catch (e) { act.replaceChildren(errorBox(e)); } } }, t('ws.publish'))), act);
  const bodies = await optional('/cert/bodies', { items: [] });
  const apply = h('form', { class: 'row card', id: 'apply-form', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const a = await api('/cert/applications', { json: { footprint_id: id, body: e.target.elements.body.value } });
      act.replaceChildren(h('div', { class: 'msg ok', role: 'status' }, t('ws.applied'), ' ', a.id || ''));
    } catch (err) { act.replaceChildren(errorBox(err)); }
  } }, h('label', {}, t('ws.apply.body'), h('select', { name: 'body' }, (bodies.items || []).filter((b) => !b.status || b.status === 'active').map((b) => h('option', { value: b.org_id }, `${b.name} (${(b.scope || []).join(', ')})`)))),
  h('button', { type: 'submit' }, t('ws.apply')));
  parts.push(h('h2', {}, t('ws.apply.title')), apply);
  return h('section', {}, parts);
}

async function labels() {
  const [apps, ls] = await Promise.all([optional('/cert/applications', { items: [] }), optional('/labels', { items: [] })]);
  return h('section', {}, h('h1', {}, t('ws.labels')), subnav('/workspace/labels'),
    h('h2', {}, t('ws.applications')),
    table([
      { title: t('cert.app'), cell: (a) => h('span', { class: 'mono' }, a.id) },
      { title: t('factor.category'), cell: (a) => a.category || '' },
      { title: t('label.number'), cell: (a) => (a.label_number ? link('/labels/' + encodeURIComponent(a.label_number), a.label_number) : '—') },
      { title: t('common.status'), cell: (a) => statusBadge(a.status) },
      { title: t('common.updated'), cell: (a) => fmtDate(a.updated_at || a.created_at) },
    ], apps.items || []),
    h('h2', {}, t('ws.labels')),
    table([
      { title: t('label.number'), cell: (l) => link('/labels/' + encodeURIComponent(l.number), l.number) },
      { title: t('ws.product'), cell: (l) => l.product || '' },
      { title: t('label.value'), num: true, cell: (l) => fmt(l.value) },
      { title: t('label.grade'), cell: (l) => l.grade ?? '—' },
      { title: t('common.status'), cell: (l) => statusBadge(l.status) },
      { title: t('label.valid_until'), cell: (l) => fmtDate(l.valid_until) },
    ], ls.items || []));
}

async function disclosure() {
  const [ds, fps] = await Promise.all([optional('/disclosures', { items: [] }), api('/footprints?limit=200')]);
  const msg = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'grid card', onsubmit: async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    try {
      await api('/disclosures', { json: { footprint_id: f.fp.value, scope: f.level.value, ...(f.level.value === 'partners' && f.partners.value.trim() ? { partners: f.partners.value.split(',').map((s) => s.trim()) } : {}), fields: [...f.fields].filter((c) => c.checked).map((c) => c.value) } });
      navigate('/workspace/disclosure', true);
    } catch (err) { msg.replaceChildren(errorBox(err)); }
  } }, h('label', {}, t('ws.footprint'), h('select', { name: 'fp' }, (fps.items || []).map((f) => h('option', { value: f.id }, `${f.product} ${fmt(f.total)} (${fmtDate(f.created_at)})`)))),
  h('label', {}, t('ws.disclosure.level'), h('select', { name: 'level' }, ['public', 'partners', 'private'].map((l) => h('option', { value: l }, t('disclosure.' + l))))),
  h('label', {}, t('ws.disclosure.partners'), h('input', { name: 'partners' })),
  h('fieldset', {}, h('legend', {}, t('ws.disclosure.fields')), ['stages', 'processes', 'suppliers', 'activity_data', 'factors'].map((x) => h('label', { style: 'flex-direction:row;gap:6px' }, h('input', { type: 'checkbox', name: 'fields', value: x, checked: x === 'stages' }), t('field.' + x)))),
  h('div', {}, h('button', { type: 'submit' }, t('ws.disclose'))));
  return h('section', {}, h('h1', {}, t('ws.disclosure')), subnav('/workspace/disclosure'), form, msg,
    table([
      { title: t('ws.footprint'), cell: (d) => d.footprint?.product || d.footprint?.id || '' },
      { title: t('ws.total'), num: true, cell: (d) => (d.footprint?.value != null ? fmt(d.footprint.value) : '—') },
      { title: t('ws.disclosure.level'), cell: (d) => t('disclosure.' + d.scope, d.scope) },
      { title: t('common.status'), cell: (d) => statusBadge(d.status || (d.withdrawn_at ? 'withdrawn' : 'valid')) },
      { title: '', cell: (d) => (d.withdrawn_at ? '' : h('button', { type: 'button', class: 'secondary', onclick: async () => { try { await api(`/disclosures/${d.id}/withdraw`, { method: 'POST', json: {} }); navigate('/workspace/disclosure', true); } catch (err) { msg.replaceChildren(errorBox(err)); } } }, t('ws.withdraw'))) },
    ], ds.items || []));
}

// PACT API clients for partners: the enterprise makes a client for a partner
// organisation (one its disclosures to partners name); the client reads on
// the PACT API only what this enterprise disclosed to that partner.  The
// secret is shown once, right after creation.
async function partners() {
  const [cs, ds] = await Promise.all([api('/pact/clients'), optional('/disclosures', { items: [] })]);
  const known = [...new Set((ds.items || []).filter((d) => d.scope === 'partners').flatMap((d) => (Array.isArray(d.partners) ? d.partners : [])).map((p) => (typeof p === 'object' ? p.id || p.name : p)).filter(Boolean))];
  const msg = h('div', { 'aria-live': 'polite', id: 'client-msg' });
  const form = h('form', { class: 'grid card', id: 'client-form', onsubmit: async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    try {
      const r = await api('/pact/clients', { json: { name: f.name.value.trim(), partner: f.partner.value.trim() } });
      const rows = await api('/pact/clients');
      list.replaceChildren(clientTable(rows.items || []));
      e.target.reset();
      msg.replaceChildren(h('div', { class: 'msg ok', role: 'status' },
        h('p', {}, t('ws.client.created'), ' ', r.name, ' → ', r.partner?.name || r.partner?.id || ''),
        kv([['ws.client.id', h('code', { class: 'mono', id: 'client-id' }, r.id)], ['ws.client.secret', h('code', { class: 'mono', id: 'client-secret' }, r.client_secret)]]),
        h('p', { class: 'muted' }, t('ws.client.secret.once'))));
    } catch (err) { msg.replaceChildren(errorBox(err)); }
  } },
  h('label', {}, t('ws.client.name'), h('input', { name: 'name', required: true, maxlength: 200 })),
  h('label', {}, t('ws.client.partner'), h('input', { name: 'partner', required: true, list: 'partner-orgs', autocomplete: 'off' })),
  h('datalist', { id: 'partner-orgs' }, known.map((p) => h('option', { value: p }))),
  h('div', {}, h('button', { type: 'submit' }, t('ws.client.create'))));
  const revoke = async (c) => {
    if (!window.confirm(t('ws.client.revoke.confirm') + ' ' + c.name)) return;
    try {
      await api(`/pact/clients/${encodeURIComponent(c.id)}/revoke`, { method: 'POST', json: {} });
      const rows = await api('/pact/clients');
      list.replaceChildren(clientTable(rows.items || []));
      msg.replaceChildren(h('div', { class: 'msg ok', role: 'status' }, t('ws.client.revoked'), ' ', c.name));
    } catch (err) { msg.replaceChildren(errorBox(err)); }
  };
  const clientTable = (items) => table([
    { title: t('ws.client.name'), cell: (c) => c.name },
    { title: t('ws.client.partner'), cell: (c) => c.partner?.name || c.partner?.id || '' },
    { title: t('ws.client.id'), cell: (c) => h('span', { class: 'mono' }, c.id) },
    { title: t('common.created'), cell: (c) => fmtDate(c.created_at) },
    { title: t('common.status'), cell: (c) => statusBadge(c.status) },
    { title: t('ws.client.actions'), cell: (c) => (c.status === 'active' ? h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('ws.client.revoke')} ${c.name}`, onclick: () => revoke(c) }, t('ws.client.revoke')) : '') },
  ], items, { caption: t('ws.clients.caption') });
  const list = h('div', { id: 'client-list' }, clientTable(cs.items || []));
  return h('section', {}, h('h1', {}, t('ws.partners')), subnav('/workspace/partners'),
    h('p', {}, t('ws.partners.help')), h('h2', {}, t('ws.client.new')), form, msg, h('h2', {}, t('ws.clients')), list);
}

export async function render({ page, params }) {
  if (page === 'model') return model(params.id);
  if (page === 'footprint') return footprint(params.id);
  if (page === 'labels') return labels();
  if (page === 'disclosure') return disclosure();
  if (page === 'partners') return partners();
  return models();
}
