import { h, t, link, session } from '../app.js';

export async function render() {
  const tiles = [
    ['/registry', 'home.registry', 'home.registry.text'],
    ['/factors', 'home.factors', 'home.factors.text'],
    ['/ledger', 'home.ledger', 'home.ledger.text'],
  ];
  if (session.has('enterprise')) tiles.unshift(['/workspace', 'nav.workspace', 'home.workspace.text']);
  if (session.has('verifier')) tiles.unshift(['/desk/cert', 'nav.certdesk', 'home.certdesk.text']);
  if (session.has('regulator', 'operator')) tiles.unshift(['/desk/regulator', 'nav.regdesk', 'home.regdesk.text']);
  if (session.has('submitter', 'reviewer')) tiles.unshift(['/desk/factors', 'nav.factordesk', 'home.factordesk.text']);
  const verify = h('form', { class: 'row', onsubmit: (e) => {
    e.preventDefault();
    const n = e.target.elements.number.value.trim();
    if (n) { history.pushState(null, '', '/labels/' + encodeURIComponent(n)); dispatchEvent(new PopStateEvent('popstate')); }
  } }, h('label', {}, t('home.verify.label'), h('input', { name: 'number', placeholder: 'CN-530000-2026-000001', autocomplete: 'off' })),
  h('button', { type: 'submit' }, t('home.verify.button')));
  return h('section', {},
    h('h1', {}, t('home.title')),
    h('p', {}, t('home.lead')),
    verify,
    h('div', { class: 'cards' }, tiles.map(([href, title, text]) => h('div', { class: 'card' }, h('h2', {}, link(href, t(title))), h('p', {}, t(text))))),
    session.me ? null : h('p', {}, link('/login', t('home.login'))));
}
