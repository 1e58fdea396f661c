// SPDX-License-Identifier: MIT
// log-view.js — the activity list: what was sent and what came back, newest
// first, for every device or one; and the same list for one device in its
// details dialog.

import { $, clock, el } from './dom.js';

const SHOWN = 100;

/** Fill list (an <ol>) with entries, newest first. withDevice: name each entry's device. */
export function renderEntries(list, entries, { withDevice, label, empty }) {
  const shown = entries.slice(-SHOWN).reverse();
  list.replaceChildren(...shown.map((e) => {
    const li = el('li', `st-${e.state}`);
    const what = el('span', 'what');
    if (withDevice) what.append(el('span', 'dev-name', label(e.device)));
    what.append(e.text);
    li.append(el('span', 'when', clock(e.t)), what);
    const out = e.outcome;
    if (out) li.append(el('span', 'outcome', e.rttMs != null && e.state !== 'sent' ? `${out} · round trip ${e.rttMs} ms` : out));
    return li;
  }));
  if (shown.length === 0) list.append(el('li', 'st-empty', empty));
}

export class LogPanel {
  #log;
  #label;
  #select = $('log-device');
  #list = $('log');
  #device = '';
  #dirty = false;
  #listeners = new Set();

  /** log: CommandLog; label(id): a device's name. */
  constructor({ log, label }) {
    this.#log = log;
    this.#label = label;
    this.#select.addEventListener('change', () => this.open(this.#select.value));
    log.onChange((d) => {
      this.#schedule();
      for (const fn of this.#listeners) fn(d);
    });
    this.render();
  }

  /** fn(device) after each change, on the next frame. */
  onChange(fn) { this.#listeners.add(fn); }

  /** Show the activity of one device ('' = all). */
  open(device) {
    this.#device = device;
    this.#schedule();
  }

  #schedule() {
    if (this.#dirty) return;
    this.#dirty = true;
    requestAnimationFrame(() => { this.#dirty = false; this.render(); });
  }

  render() {
    const devices = this.#log.devices();
    this.#select.hidden = devices.length < 2;
    const opts = ['', ...devices];
    if (this.#device && !opts.includes(this.#device)) opts.push(this.#device);
    const have = [...this.#select.options].map((o) => o.value);
    if (have.join('\n') !== opts.join('\n')) {
      this.#select.replaceChildren(...opts.map((d) => new Option(d ? this.#label(d) : 'All devices', d)));
    }
    this.#select.value = this.#device;
    const entries = this.#device ? this.#log.entries(this.#device) : this.#log.recent();
    renderEntries(this.#list, entries, {
      withDevice: !this.#device,
      label: this.#label,
      empty: this.#device ? 'Nothing sent to this device yet.' : 'Nothing sent yet. What you send, and what each device answers, shows here.',
    });
  }
}
