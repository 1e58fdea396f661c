// SPDX-License-Identifier: MIT
// login.js — the link badge in the header and the login form.

import { $ } from './dom.js';

const LINK_WORDS = {
  offline: 'offline',
  connecting: 'connecting…',
  connected: 'connected',
  reconnecting: 'reconnecting…',
};

/** The link state in the header. */
export class LinkBadge {
  #root = $('link-state');
  #text = $('link-text');

  show(state, detail, who) {
    this.#root.dataset.state = state;
    let t = LINK_WORDS[state] ?? state;
    if (state === 'connected' && who) t += ` as ${who}`;
    if (detail && state === 'reconnecting') t += ` — ${detail}`;
    this.#text.textContent = t;
    this.#root.title = detail && state !== 'connected' ? `${t} — ${detail}` : t;
  }
}

/** The login form. onSubmit({username,password,url,prefix}). */
export class LoginView {
  #form = $('login-form');
  #err = $('login-error');

  constructor({ settings, onSubmit }) {
    $('login-user').value = settings.get('username');
    $('login-url').value = settings.get('url');
    $('login-prefix').value = settings.get('prefix') === 'keymime' ? '' : settings.get('prefix');
    if (settings.get('url') || $('login-prefix').value) $('login-adv').open = true;
    this.#form.addEventListener('submit', (e) => {
      e.preventDefault();
      const username = $('login-user').value.trim();
      if (!username) { this.error('Enter a user name.'); $('login-user').focus(); return; }
      onSubmit({
        username,
        password: $('login-pass').value,
        url: $('login-url').value.trim(),
        prefix: $('login-prefix').value.trim(),
      });
    });
  }

  error(text) {
    this.#err.textContent = text;
    $('login-user').toggleAttribute('aria-invalid', /user name or password/.test(text));
    $('login-pass').toggleAttribute('aria-invalid', /user name or password/.test(text));
  }

  /** Show the login form (true) or the dashboard (false). */
  show(visible) {
    $('login').hidden = !visible;
    $('app').hidden = visible;
    $('logout').hidden = visible;
    if (visible) ($('login-user').value ? $('login-pass') : $('login-user')).focus();
  }
}
