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
    /** When a live (not retained) message last came from it; 0 = not since login. */
    this.lastSeen = 0;
    /** When this page saw it go offline; 0 = not seen (it may have been offline before). */
    this.offlineSince = 0;
  }

  get groups() { return this.status ? this.status.groups : ['all']; }

  /** The name people know it by: its configured `name`, else its id. */
  get label() { return this.status?.name || this.id; }

  get location() { return this.status?.location ?? ''; }

  /** Busy typing, as its status says. */
  get busy() { return !!this.status?.busy; }

  /** Online, and its computer is not reading the keyboard. */
  get hostDown() { return this.online === true && this.status?.host === 'disconnected'; }
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
   * Apply one availability or status message. `retained`: it was sent
   * because we subscribed (old news), not because it just happened.
   * Returns true when the device list or a device changed.
   * An empty payload (a cleared retained message) forgets that half; a
   * device with neither half left is removed.
   */
  apply(id, kind, payload, retained = true) {
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
    const now = this.#now();
    if (kind === 'availability') {
      if (value === false && d.online !== false) d.offlineSince = retained ? 0 : now;
      d.online = value;
    } else {
      d.status = value;
    }
    d.updatedAt = now;
    if (!retained && value !== null && value !== false) d.lastSeen = now;
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

  /** A live result or progress message came from a known device. */
  seen(id) {
    const d = this.#devices.get(id);
    if (!d) return;
    d.lastSeen = this.#now();
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

  /** Counts for the state chips (see filter.STATE_FILTERS). */
  counts() {
    let online = 0, offline = 0, busy = 0, hostDown = 0;
    for (const d of this.#devices.values()) {
      if (d.online === true) online += 1;
      else if (d.online === false) offline += 1;
      if (d.busy) busy += 1;
      if (d.hostDown) hostDown += 1;
    }
    return { any: this.#devices.size, online, offline, busy, hostdown: hostDown };
  }
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Natural order: pi2 before pi10. */
export function naturalCompare(a, b) {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}
