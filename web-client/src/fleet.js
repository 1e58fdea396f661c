// SPDX-License-Identifier: MIT
// fleet.js — the device list, built only from retained availability and
// status messages. Pure state: the view asks what changed (takeChanges) once
// per animation frame instead of being called per message, so a retained
// flood of 1000 statuses costs one render.

import { parseAvailability, parseStatus } from './protocol.js';

/**
 * One device as the page knows it. `online` is true/false from the
 * retained availability topic, or null when no availability is known.
 * `status` is the parsed status (see protocol.parseStatus) or null.
 */
export class Device {
  constructor(id) {
    this.id = id;
    this.online = null;
    this.status = null;
    this.updatedAt = 0;
  }

  get groups() { return this.status ? this.status.groups : ['all']; }
}

export class FleetStore {
  /** @type {Map<string, Device>} */
  #devices = new Map();
  #changed = new Set();
  #removed = new Set();
  #added = false;
  #sorted = null;   // cached sorted id list; null when stale
  #now;

  /** @param {() => number} now clock, injectable for tests */
  constructor(now = () => Date.now()) {
    this.#now = now;
  }

  get size() { return this.#devices.size; }

  get(id) { return this.#devices.get(id); }

  has(id) { return this.#devices.has(id); }

  /** Every device, sorted by id with numbers in natural order (pi2 < pi10). */
  sortedIds() {
    if (!this.#sorted) {
      this.#sorted = [...this.#devices.keys()].sort(naturalCompare);
    }
    return this.#sorted;
  }

  /** Group names seen in any status, sorted, `all` first. */
  groups() {
    const s = new Set(['all']);
    for (const d of this.#devices.values()) for (const g of d.groups) s.add(g);
    return ['all', ...[...s].filter((g) => g !== 'all').sort(naturalCompare)];
  }

  /** Ids of the devices currently known to be in group `g`. */
  membersOf(g) {
    return this.sortedIds().filter((id) => this.#devices.get(id).groups.includes(g));
  }

  /**
   * Apply one retained message. kind is availability | status.
   * Returns true when the device list or a device changed.
   * An empty payload (a cleared retained message) forgets that half; a
   * device with neither half left is removed.
   */
  apply(id, kind, payload) {
    let d = this.#devices.get(id);
    const value = kind === 'availability' ? parseAvailability(payload)
      : kind === 'status' ? parseStatus(payload) : undefined;
    if (value === undefined) return false;
    if (!d) {
      if (value === null) return false;
      d = new Device(id);
      this.#devices.set(id, d);
      this.#added = true;
      this.#sorted = null;
      this.#removed.delete(id);
    }
    if (kind === 'availability') d.online = value;
    else d.status = value;
    d.updatedAt = this.#now();
    if (d.online === null && d.status === null) {
      this.#devices.delete(id);
      this.#sorted = null;
      this.#changed.delete(id);
      this.#removed.add(id);
      return true;
    }
    this.#changed.add(id);
    return true;
  }

  /**
   * What changed since the last call: {changed:Set, removed:Set, added:bool}.
   * `added` says the order of rows may have changed.
   */
  takeChanges() {
    const out = { changed: this.#changed, removed: this.#removed, added: this.#added };
    this.#changed = new Set();
    this.#removed = new Set();
    this.#added = false;
    return out;
  }

  /** Forget everything (new login, new prefix). */
  clear() {
    for (const id of this.#devices.keys()) this.#removed.add(id);
    this.#devices.clear();
    this.#changed.clear();
    this.#sorted = null;
    this.#added = true;
  }

  /** Counts for the summary line. */
  counts() {
    let online = 0, busy = 0, hostDown = 0;
    for (const d of this.#devices.values()) {
      if (d.online === true) online += 1;
      if (d.status && d.status.busy) busy += 1;
      if (d.status && d.status.host === 'disconnected') hostDown += 1;
    }
    return { total: this.#devices.size, online, busy, hostDown };
  }
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Natural order: pi2 before pi10. */
export function naturalCompare(a, b) {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}
