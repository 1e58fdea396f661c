// SPDX-License-Identifier: MIT
// log.js — per-device log of what was sent and what came back. Results are
// matched to commands by (device, id); the round-trip time is measured from
// the publish to the result's arrival. Pure: the view renders entries.

import { describeCommand } from './protocol.js';

const MAX_PER_DEVICE = 200;
const LIVE_MERGE_MS = 3000;

/**
 * One log line. state: sent | ok | error | info.
 * rttMs: round trip in ms once a result arrived.
 */
export class LogEntry {
  constructor(seq, t, text, id = null) {
    this.seq = seq;
    this.t = t;
    this.text = text;
    this.id = id;
    this.state = id ? 'sent' : 'info';
    this.rttMs = null;
    this.result = null;
  }

  /** The plain sentence for the result: "ok, 5 chars in 12 ms" or the error. */
  get outcome() {
    const r = this.result;
    if (!r) return this.state === 'sent' ? 'waiting for result' : '';
    if (r.ok) {
      const parts = ['ok'];
      if (r.chars != null) parts.push(`${r.chars} chars`);
      if (r.ms != null) parts.push(`typed in ${r.ms} ms`);
      return parts.join(', ');
    }
    return `failed: ${r.detail || r.error}${r.detail && r.error ? ` (${r.error})` : ''}`;
  }
}

export class CommandLog {
  /** @type {Map<string, LogEntry[]>} device → entries, oldest first */
  #byDevice = new Map();
  /** @type {Map<string, Map<string, LogEntry>>} id → device → entry */
  #pending = new Map();
  #seq = 0;
  #now;
  #listeners = new Set();

  constructor(now = () => performance.now()) {
    this.#now = now;
  }

  /** fn(deviceId) after each change to that device's log. */
  onChange(fn) { this.#listeners.add(fn); }

  #emit(device) { for (const fn of this.#listeners) fn(device); }

  /** Entries of one device, oldest first (live view, do not mutate). */
  entries(device) { return this.#byDevice.get(device) ?? []; }

  /** Devices that have a log, most recently active first. */
  devices() {
    return [...this.#byDevice.entries()]
      .sort((a, b) => b[1].at(-1).t - a[1].at(-1).t)
      .map(([d]) => d);
  }

  #push(device, entry) {
    let list = this.#byDevice.get(device);
    if (!list) { list = []; this.#byDevice.set(device, list); }
    list.push(entry);
    if (list.length > MAX_PER_DEVICE) {
      const gone = list.splice(0, list.length - MAX_PER_DEVICE);
      for (const e of gone) if (e.id) this.#pending.get(e.id)?.delete(device);
    }
    this.#emit(device);
  }

  /**
   * Record a command sent to these devices. A command with an id waits for
   * one result per device. Returns the entries created.
   */
  sent(devices, cmd) {
    const text = describeCommand(cmd);
    const t = this.#now();
    const id = cmd.id ?? null;
    const byDev = id ? new Map() : null;
    for (const d of devices) {
      const e = new LogEntry(++this.#seq, t, text, id);
      if (byDev) byDev.set(d, e);
      this.#push(d, e);
    }
    if (byDev) this.#pending.set(id, byDev);
    return byDev ? [...byDev.values()] : [];
  }

  /**
   * Live keystrokes: merged into one line per burst so the log stays
   * readable ("live keys: KeyH KeyI Enter").
   */
  live(devices, code) {
    const t = this.#now();
    for (const d of devices) {
      const list = this.#byDevice.get(d);
      const last = list?.at(-1);
      if (last && last.live && t - last.t < LIVE_MERGE_MS && last.text.length < 300) {
        last.text += ` ${code}`;
        last.t = t;
        this.#emit(d);
      } else {
        const e = new LogEntry(++this.#seq, t, `live keys: ${code}`);
        e.live = true;
        this.#push(d, e);
      }
    }
  }

  /** A note for these devices (e.g. "link lost, keys released"). */
  note(devices, text, state = 'info') {
    const t = this.#now();
    for (const d of devices) {
      const e = new LogEntry(++this.#seq, t, text);
      e.state = state;
      this.#push(d, e);
    }
  }

  /**
   * A result arrived from `device`. Returns the matched entry, a new error
   * entry for an unmatched failure, or null for an unmatched success (a
   * result for another page's command).
   */
  result(device, r) {
    const waiting = r.id ? this.#pending.get(r.id) : null;
    const e = waiting?.get(device);
    if (e) {
      waiting.delete(device);
      if (waiting.size === 0) this.#pending.delete(r.id);
      e.result = r;
      e.rttMs = Math.round(this.#now() - e.t);
      e.state = r.ok ? 'ok' : 'error';
      this.#emit(device);
      return e;
    }
    if (r.ok) return null;
    const x = new LogEntry(++this.#seq, this.#now(), r.id ? `result for ${r.id}` : 'agent reported');
    x.state = 'error';
    x.result = r;
    this.#push(device, x);
    return x;
  }

  /** Whether `id` still waits for a result from `device`. */
  isPending(id, device) { return !!this.#pending.get(id)?.has(device); }
}
