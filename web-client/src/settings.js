// SPDX-License-Identifier: MIT
// settings.js — what the page remembers in localStorage between visits.
// The password is never stored.

import { DEFAULT_PREFIX, normalisePrefix } from './protocol.js';

const KEY = 'keymime.settings.v1';

const DEFAULTS = Object.freeze({
  url: '',          // empty: the host:port the page was loaded from
  username: '',
  prefix: DEFAULT_PREFIX,
  pace: 'fast',
  layout: '',
  target: '',
});

export class Settings {
  #storage;
  #values;

  /** @param {Storage|null} storage localStorage or a stand-in (borrowed) */
  constructor(storage) {
    this.#storage = storage;
    this.#values = { ...DEFAULTS, ...this.#load() };
  }

  #load() {
    try {
      const o = JSON.parse(this.#storage?.getItem(KEY) ?? '{}');
      return o && typeof o === 'object' ? pick(o) : {};
    } catch {
      return {};
    }
  }

  get(name) { return this.#values[name]; }

  /** Set and persist; unknown names are ignored. */
  set(patch) {
    const p = pick(patch);
    if ('prefix' in p) p.prefix = normalisePrefix(p.prefix) ?? DEFAULT_PREFIX;
    Object.assign(this.#values, p);
    try { this.#storage?.setItem(KEY, JSON.stringify(this.#values)); } catch { /* full or denied */ }
  }
}

function pick(o) {
  const out = {};
  for (const k of Object.keys(DEFAULTS)) {
    if (typeof o[k] === 'string') out[k] = o[k];
  }
  return out;
}

/**
 * The broker URL the page connects to: the override when given, else the
 * host:port the page came from, ws:// or wss:// matching http:// or https://.
 * Returns null when there is nothing to derive from (page opened as a file).
 */
export function brokerUrl(override, location) {
  const o = String(override ?? '').trim();
  if (o) return o;
  if (!location || !/^https?:$/.test(location.protocol)) return null;
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/`;
}
