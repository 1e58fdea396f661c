// SPDX-License-Identifier: MIT
// confirm.js — the "are you sure" dialog before a large or partly offline
// send (see safety.question). A native <dialog>: focus is trapped and Esc
// cancels.

import { $, el } from './dom.js';

export class ConfirmDialog {
  #dlg = $('confirm');

  /**
   * Ask q = {title, lines, send}. Resolves true when the user chose to send.
   * send null: nothing can be sent, only "OK".
   */
  ask(q) {
    $('confirm-h').textContent = q.title;
    $('confirm-body').replaceChildren(...q.lines.map((l) => el('p', '', l)));
    const yes = $('confirm-yes');
    yes.hidden = !q.send;
    yes.textContent = q.send ?? '';
    $('confirm-no').textContent = q.send ? 'Cancel' : 'OK';
    this.#dlg.returnValue = '';
    this.#dlg.showModal();
    (q.send ? yes : $('confirm-no')).focus();
    return new Promise((res) => {
      this.#dlg.addEventListener('close', () => res(this.#dlg.returnValue === 'send'), { once: true });
    });
  }

  get open() { return this.#dlg.open; }
}
