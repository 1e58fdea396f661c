// SPDX-License-Identifier: MIT
// selection.js — which devices the page sends to. Pure.
//
// A selection is either a set of device ids, or a whole group. A group
// selection sends one message to `<prefix>/group/<g>/cmd`, so it also
// reaches members the page has not seen yet; toggling a single device
// turns it back into a plain set.

export class Selection {
  #ids = new Set();
  #group = null;
  #listeners = new Set();

  /** The selected ids (a live view; do not mutate). */
  get ids() { return this.#ids; }

  get size() { return this.#ids.size; }

  /** The group name when the selection is a whole group, else null. */
  get group() { return this.#group; }

  has(id) { return this.#ids.has(id); }

  /** Call fn() after every change. Returns an unsubscribe function. */
  onChange(fn) {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #emit() { for (const fn of this.#listeners) fn(this); }

  toggle(id, on = !this.#ids.has(id)) {
    if (on === this.#ids.has(id)) return;
    if (on) this.#ids.add(id); else this.#ids.delete(id);
    this.#group = null;
    this.#emit();
  }

  /** Replace the selection by these ids. */
  set(ids) {
    this.#ids = new Set(ids);
    this.#group = null;
    this.#emit();
  }

  /** Add these ids to the selection (e.g. "select all shown"). */
  add(ids) {
    for (const id of ids) this.#ids.add(id);
    this.#group = null;
    this.#emit();
  }

  /** Select a whole group, with the members known now. */
  selectGroup(group, members) {
    this.#ids = new Set(members);
    this.#group = group;
    this.#emit();
  }

  clear() {
    this.#ids = new Set();
    this.#group = null;
    this.#emit();
  }

  /** A newly seen device joins a group selection it belongs to. */
  noteDevice(id, groups) {
    if (this.#group && groups.includes(this.#group) && !this.#ids.has(id)) {
      this.#ids.add(id);
      this.#emit();
    }
  }

  /** A device disappeared. */
  forget(id) {
    if (this.#ids.delete(id)) this.#emit();
  }

  /**
   * Where commands go: {group, ids} with group non-null for a group
   * selection (one publish to the group topic), else {group:null, ids}.
   */
  target() {
    return { group: this.#group, ids: [...this.#ids] };
  }

  /**
   * Human label: "group lab (12 known)", "every device (12 known)", "pi1",
   * "3 devices", "no device". label(id) names one device.
   */
  describe(label = (id) => id) {
    if (this.#group === 'all') return `every device (${this.#ids.size} known)`;
    if (this.#group) return `group ${this.#group} (${this.#ids.size} known)`;
    if (this.#ids.size === 0) return 'no device';
    if (this.#ids.size === 1) return label([...this.#ids][0]);
    return `${this.#ids.size} devices`;
  }

  /** A string that changes whenever the selection does. */
  get key() { return `${this.#group ?? ''}\n${[...this.#ids].sort().join(',')}`; }
}
