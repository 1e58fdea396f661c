// SPDX-License-Identifier: MIT
// fleet-view.js — the device list in the DOM. One row element per device,
// created once and updated in place; the whole list is touched only when
// devices appear or disappear (to keep the order) or the filter changes.
// All work is batched into one requestAnimationFrame.

import { compileFilter } from './filter.js';

const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
};

/** A row and the elements it updates, so updates never query the DOM. */
class Row {
  constructor(id, onToggle, onOpen) {
    this.id = id;
    this.root = el('div', 'dev');
    this.root.setAttribute('role', 'listitem');
    this.root.dataset.id = id;
    this.check = el('input');
    this.check.type = 'checkbox';
    this.check.setAttribute('aria-label', `Select ${id}`);
    this.check.addEventListener('change', () => onToggle(id, this.check.checked));
    this.name = el('button', 'name', id);
    this.name.type = 'button';
    this.name.title = `Show the log of ${id}`;
    this.name.setAttribute('aria-label', `${id}: show log`);
    this.name.addEventListener('click', () => onOpen(id));
    this.avail = el('span', 'pill unk', 'unknown');
    this.avail.title = 'agent availability';
    this.host = el('span', 'host unknown', 'unknown');
    this.leds = el('span', 'leds');
    this.ledEls = ['caps', 'num', 'scroll'].map((k) => {
      const s = el('span', 'led', { caps: 'A', num: '1', scroll: 'S' }[k]);
      s.dataset.led = k;
      this.leds.append(s);
      return s;
    });
    this.layout = el('span', 'layout', '');
    this.busy = el('span', 'busy', '');
    this.groups = el('span', 'groups', '');
    this.root.append(this.check, this.name, this.avail, this.host, this.leds,
      this.layout, this.busy, this.groups);
    this.last = {};
  }

  /** Write only what changed since the last update. */
  update(d, stale, selected) {
    const s = d.status;
    const online = stale ? null : d.online;
    const v = {
      avail: online === true ? 'online' : online === false ? 'offline' : 'unknown',
      host: stale || !s ? 'unknown' : s.host,
      leds: stale || !s || !s.ledsKnown ? '---' : `${+s.leds.caps}${+s.leds.num}${+s.leds.scroll}`,
      layout: s ? s.layout : '',
      busy: stale || !s ? '' : s.busy ? `busy${s.queue ? ` +${s.queue}` : ''}` : s.queue ? `queue ${s.queue}` : 'idle',
      groups: s ? s.groups.filter((g) => g !== 'all').join(', ') : '',
      selected: this.last.selected,
    };
    const l = this.last;
    if (l.avail !== v.avail) {
      this.avail.textContent = v.avail;
      this.avail.className = `pill ${v.avail === 'online' ? 'on' : v.avail === 'offline' ? 'off' : 'unk'}`;
    }
    if (l.host !== v.host) {
      this.host.textContent = v.host === 'connected' ? 'connected' : v.host === 'disconnected' ? 'disconnected' : 'unknown';
      this.host.setAttribute('aria-label', `host ${this.host.textContent}`);
      this.host.className = `host ${v.host}`;
    }
    if (l.leds !== v.leds) this.#leds(v.leds);
    if (l.layout !== v.layout) this.layout.textContent = v.layout;
    if (l.busy !== v.busy) {
      this.busy.textContent = v.busy;
      this.busy.className = `busy${v.busy.startsWith('busy') ? ' yes' : ''}`;
    }
    if (l.groups !== v.groups) this.groups.textContent = v.groups;
    this.last = v;
    this.setSelected(selected);
  }

  setSelected(on) {
    if (this.last.selected === on) return;
    this.last.selected = on;
    this.check.checked = on;
    this.root.classList.toggle('selected', on);
  }

  #leds(bits) {
    const names = { caps: 'Caps Lock', num: 'Num Lock', scroll: 'Scroll Lock' };
    const said = [];
    this.ledEls.forEach((s, i) => {
      const lit = bits[i] === '1';
      s.classList.toggle('lit', lit);
      if (bits[i] !== '-') said.push(`${names[s.dataset.led]} ${lit ? 'on' : 'off'}`);
    });
    const label = said.length ? said.join(', ') : 'LEDs unknown';
    this.leds.setAttribute('aria-label', label);
    this.leds.title = label;
  }
}

export class FleetView {
  #store;
  #selection;
  #list;
  #rows = new Map();
  #pred = () => true;
  #query = ['', 'any'];
  #stale = true;
  #frame = 0;
  #needFilter = false;
  #needAll = false;
  #onOpen;
  #onRendered;
  #shown = 0;

  /**
   * @param {object} o  all borrowed
   * @param {FleetStore} o.store
   * @param {Selection} o.selection
   * @param {HTMLElement} o.list  the list container
   * @param {(id:string) => void} o.onOpen   a device name was clicked
   * @param {(info:{shown:number,total:number,ms:number}) => void} o.onRendered
   */
  constructor({ store, selection, list, onOpen, onRendered }) {
    this.#store = store;
    this.#selection = selection;
    this.#list = list;
    this.#onOpen = onOpen;
    this.#onRendered = onRendered;
    // Checkboxes follow the selection at once, not a frame later: a click
    // landing in between would act on a stale checkbox.
    selection.onChange(() => {
      for (const [id, r] of this.#rows) r.setSelected(selection.has(id));
    });
    list.addEventListener('keydown', (e) => this.#arrows(e));
  }

  /** Ids of the rows that pass the filter, in list order. */
  shownIds() {
    return this.#store.sortedIds().filter((id) => !this.#rows.get(id)?.root.hidden);
  }

  get shown() { return this.#shown; }

  /** Set the search query and state filter. */
  setFilter(query, state) {
    if (query === this.#query[0] && state === this.#query[1]) return;
    this.#query = [query, state];
    this.#pred = compileFilter(query, state);
    this.#needFilter = true;
    this.schedule();
  }

  /** While the link is down every row says "unknown" (nothing is known). */
  setStale(stale) {
    if (stale === this.#stale) return;
    this.#stale = stale;
    if (stale) this.#list.dataset.stale = ''; else delete this.#list.dataset.stale;
    this.#needAll = true;
    this.schedule();
  }

  /** Ask for a render on the next frame (many calls, one render). */
  schedule() {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => { this.#frame = 0; this.render(); });
  }

  /** Apply everything pending now. */
  render() {
    const t0 = performance.now();
    const { changed, removed, added } = this.#store.takeChanges();
    for (const id of removed) {
      this.#rows.get(id)?.root.remove();
      this.#rows.delete(id);
      this.#selection.forget(id);
    }
    const sel = this.#selection;
    const todo = this.#needAll || this.#needFilter ? this.#store.sortedIds() : changed;
    for (const id of todo) {
      const d = this.#store.get(id);
      if (!d) continue;
      let row = this.#rows.get(id);
      if (!row) {
        row = new Row(id, (i, on) => sel.toggle(i, on), this.#onOpen);
        this.#rows.set(id, row);
        sel.noteDevice(id, d.groups);
      }
      row.update(d, this.#stale, sel.has(id));
      const hide = !this.#pred(d);
      if (row.root.hidden !== hide) row.root.hidden = hide;
    }
    if (added) this.#reorder();
    if (added || removed.size || this.#needFilter || changed.size) this.#count();
    this.#needAll = false;
    this.#needFilter = false;
    this.#onRendered({ shown: this.#shown, total: this.#store.size, ms: performance.now() - t0 });
  }

  /** Put rows in id order; appendChild of an attached node moves it. */
  #reorder() {
    const frag = document.createDocumentFragment();
    for (const id of this.#store.sortedIds()) frag.append(this.#rows.get(id).root);
    this.#list.append(frag);
  }

  #count() {
    let n = 0;
    for (const r of this.#rows.values()) if (!r.root.hidden) n += 1;
    this.#shown = n;
  }

  /** Up/Down/Home/End move focus between the rows' checkboxes. */
  #arrows(e) {
    if (!['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(e.key)) return;
    const rowEl = e.target.closest?.('.dev');
    if (!rowEl) return;
    const col = e.target.classList.contains('name') ? 'name' : 'check';
    let next;
    if (e.key === 'Home' || e.key === 'End') {
      const all = [...this.#list.querySelectorAll('.dev:not([hidden])')];
      next = e.key === 'Home' ? all[0] : all.at(-1);
    } else {
      next = rowEl;
      do {
        next = e.key === 'ArrowDown' ? next.nextElementSibling : next.previousElementSibling;
      } while (next && next.hidden);
    }
    if (!next) return;
    e.preventDefault();
    this.#rows.get(next.dataset.id)?.[col].focus();
  }
}
