import { h, t, api, session, errorBox, navigate } from '../app.js';

export async function render({ query }) {
  const msg = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'card', style: 'max-width:420px', onsubmit: async (e) => {
    e.preventDefault();
    const f = e.target.elements;
    f.submit.disabled = true;
    msg.replaceChildren();
    try {
      const r = await api('/auth/login', { json: { name: f.name.value.trim(), password: f.password.value } });
      session.set(r.token);
      const next = query.get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', true);
    } catch (err) {
      msg.replaceChildren(err.status === 401 || err.status === 400 ? h('div', { class: 'msg error', role: 'alert' }, t('login.failed')) : errorBox(err));
      f.submit.disabled = false;
    }
  } },
  h('label', {}, t('login.name'), h('input', { name: 'name', autocomplete: 'username', required: true })),
  h('label', {}, t('login.password'), h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
  h('p', {}, h('button', { type: 'submit', name: 'submit' }, t('login.submit'))), msg);
  return h('section', {}, h('h1', {}, t('login.title')), form);
}
