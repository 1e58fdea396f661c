// SPDX-License-Identifier: MIT
// fleet-view.js — the device list in the DOM. One row element per device,
// created once and updated in place; the whole list is touched only when
// devices appear or disappear (to keep the order) or the filter changes.
// All work is batched into one requestAnimationFrame.

import { ago, clock, el } from './dom.js';
import { compileFilter } from './filter.js';
import { plural, targetLabel } from './protocol.js';

const TAG_LIMIT = 80;

/** A row and the elements it updates, so updates never query the DOM. */
class Row {
  constructor(id, onToggle, onOpen) {
    this.id = id;
    this.root = el('div', 'dev');
    this.root.setAttribute('role', 'listitem');
    this.root.dataset.id = id;
    const cb = el('label', 'cb');
    this.check = el('input');
    this.check.type = 'checkbox';
    this.check.addEventListener('change', () => onToggle(id, this.check.checked));
    cb.append(this.check);
    const who = el('div', 'who');
    this.name = el('button', 'name', id);
    this.name.type = 'button';
    this.name.addEventListener('click', () => onOpen(id));
    this.sub = el('span', 'sub');
    who.append(this.name, this.sub);
    const state = el('div', 'state');
    this.avail = el('span', 'avail');
    this.seen = el('span', 'seen');
    state.append(this.avail, this.seen);
    this.work = el('div', 'work');
    this.root.append(cb, who, state, this.work);
    this.last = {};
  }

  /** Write only what changed since the last update. v: see FleetView.#values. */
  update(v, selected) {
    const l = this.last;
    if (l.label !== v.label) {
      this.name.textContent = v.label;
      this.name.setAttribute('aria-label', `${v.label}, details`);
      this.check.setAttribute('aria-label', `Select ${v.label}`);
    }
    if (l.sub !== v.sub) this.sub.textContent = v.sub;
    if (l.avail !== v.avail) {
      this.avail.textContent = v.avail;
      this.avail.className = `avail ${v.avail === 'online' ? 'on' : v.avail ? 'off' : 'unk'}`;
      this.root.classList.toggle('offline', v.avail === 'offline');
    }
    if (l.seen !== v.seen) this.seen.textContent = v.seen;
    if (l.workKey !== v.workKey) this.#work(v.work);
    this.last = { ...v, selected: l.selected };
    this.setSelected(selected);
  }

  #work(tags) {
    this.work.replaceChildren(...tags.map(([cls, text, title]) => {
      const t = el('span', `tag ${cls}`, text.length > TAG_LIMIT ? `${text.slice(0, TAG_LIMIT)}…` : text);
      if (title || text.length > TAG_LIMIT) t.title = title || text;
      return t;
    }));
  }

  setSelected(on) {
    if (this.last.selected === on) return;
    this.last.selected = on;
    this.check.checked = on;
    this.root.classList.toggle('selected', on);
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
  #jobState;
  #shown = 0;

  /**
   * @param {object} o  all borrowed
   * @param {FleetStore} o.store
   * @param {Selection} o.selection
   * @param {HTMLElement} o.list  the list container
   * @param {(id:string) => void} o.onOpen   a device name was clicked
   * @param {(info:{shown:number,total:number,ms:number}) => void} o.onRendered
   * @param {(id:string) => ?[string,string,string]} o.jobState  the device's
   *   part in the last job sent to it: [class, text, title], or null
   */
  constructor({ store, selection, list, onOpen, onRendered, jobState = () => null }) {
    this.#store = store;
    this.#selection = selection;
    this.#list = list;
    this.#onOpen = onOpen;
    this.#onRendered = onRendered;
    this.#jobState = jobState;
    // "last seen 3 min ago" ages: refresh every row once a minute
    setInterval(() => { this.#needAll = true; this.schedule(); }, 60000);
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

  /** Redraw these devices (their job changed). */
  touch(ids) {
    for (const id of ids) this.#touched.add(id);
    this.schedule();
  }

  #touched = new Set();

  /** While the link is down the rows show the last known state, dimmed. */
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
    for (const id of this.#touched) changed.add(id);
    this.#touched.clear();
    const todo = this.#needAll || this.#needFilter ? this.#store.sortedIds() : changed;
    const now = Date.now();
    for (const id of todo) {
      const d = this.#store.get(id);
      if (!d) continue;
      let row = this.#rows.get(id);
      if (!row) {
        row = new Row(id, (i, on) => sel.toggle(i, on), this.#onOpen);
        this.#rows.set(id, row);
        sel.noteDevice(id, d.groups);
      }
      // a new filter alone changes no row's content, only which are shown
      if (this.#needAll || changed.has(id) || !row.last.label) row.update(this.#values(d, now), sel.has(id));
      const hide = !this.#pred(d);
      if (row.root.hidden !== hide) row.root.hidden = hide;
    }
    if (added) this.#reorder();
    if (added || removed.size || this.#needFilter || changed.size) this.#count();
    this.#needAll = false;
    this.#needFilter = false;
    this.#onRendered({ shown: this.#shown, total: this.#store.size, ms: performance.now() - t0 });
  }

  /** What a row shows for device d: only what is known. */
  #values(d, now) {
    const s = d.status;
    const online = d.online === true;
    const sub = [s?.name ? d.id : '', s?.location ?? ''].filter(Boolean).join(' · ');
    let seen = '';
    if (d.online === false) {
      if (d.offlineSince) seen = `since ${clock(d.offlineSince, true)}`;
      else if (d.lastSeen) seen = `last seen ${ago(d.lastSeen, now)}`;
    }
    const work = [];
    const job = this.#jobState(d.id);
    if (job) work.push(job);
    if (online && s) {
      const jobOpen = job && (job[0] === 'typing' || job[0] === 'waiting');
      if (s.busy && !jobOpen) work.push(['busy', `busy${s.queue ? `, ${s.queue} waiting` : ''}`]);
      else if (!s.busy && s.queue) work.push(['busy', `${s.queue} waiting`]);
      if (s.host === 'disconnected') work.push(['hostdown', 'computer not reading', 'The computer is not taking keystrokes: unplugged, asleep or a power-only cable']);
      if (s.ledsKnown && s.leds.caps) work.push(['led', 'Caps Lock', 'Caps Lock is on at the computer']);
      const lt = [s.layout, s.target ? targetLabel(s.target) : ''].filter(Boolean).join(' · ');
      if (lt) work.push(['plain', lt, 'layout · target']);
    }
    const groups = d.groups.filter((g) => g !== 'all');
    if (groups.length) work.push(['groups', groups.join(', '), `${plural(groups.length, 'group')}: ${groups.join(', ')}`]);
    return {
      label: d.label,
      sub,
      // no availability yet (it arrives after the statuses): say nothing
      avail: online ? 'online' : d.online === false ? 'offline' : '',
      seen,
      work,
      workKey: JSON.stringify(work),
    };
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
