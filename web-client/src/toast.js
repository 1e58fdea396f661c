// SPDX-License-Identifier: MIT
// toast.js — short messages at the bottom that go away by themselves.

import { $ } from './dom.js';

export class Toast {
  #el = $('toast');
  #timer = 0;

  /** kind: '' or 'bad' (a failure, shown longer and in red). */
  say(text, { ms = 4000, kind = '' } = {}) {
    this.#el.textContent = text;
    this.#el.className = `toast${kind ? ` ${kind}` : ''}`;
    this.#el.hidden = false;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => { this.#el.hidden = true; }, kind === 'bad' ? Math.max(ms, 8000) : ms);
  }

  hide() { this.#el.hidden = true; }
}
