// SPDX-License-Identifier: MIT
// log.js — per-device log of what was sent and what came back. Results are
// matched to commands by (device, id); the round-trip time is measured from
// the publish to the result's arrival. Pure: the view renders entries.

import { explainFailure } from './errors.js';
import { commandKind, describeCommand, plural, targetLabel } from './protocol.js';

const MAX_PER_DEVICE = 200;
const LIVE_MERGE_MS = 3000;
const MAX_RECENT = 300;

/**
 * One log line. state: sent | ok | error | cancelled | info.
 * kind: the command's kind (protocol.commandKind), for the wording.
 * rttMs: round trip in ms once a result arrived.
 */
export class LogEntry {
  constructor(seq, t, text, id = null, kind = 'other') {
    this.seq = seq;
    this.t = t;
    this.text = text;
    this.id = id;
    this.kind = kind;
    this.state = id ? 'sent' : 'info';
    this.rttMs = null;
    this.result = null;
  }

  /** The plain sentence for the result: "done: 5 characters in 12 ms", the error and what to do. */
  get outcome() {
    const r = this.result;
    if (!r) return this.state === 'sent' ? 'waiting for the device' : '';
    const ms = r.ms > 0 ? ` in ${r.ms} ms` : '';
    if (r.ok) {
      if (this.kind === 'text' || this.kind === 'seq') {
        return r.chars != null ? `done: ${plural(r.chars, 'character')} typed${ms}` : `done${ms}`;
      }
      if (this.kind === 'set_layout') return `layout is now ${r.raw?.layout ?? 'set'}`;
      if (this.kind === 'set_target') {
        return `target is now ${targetLabel(r.raw?.target ?? 'set')}${r.raw?.layout ? `, layout ${r.raw.layout}` : ''}`;
      }
      return `done${ms}`;
    }
    if (r.error === 'cancelled') {
      const part = r.chars ? ` after ${plural(r.chars, 'character')}` : '';
      return `cancelled${part}`;
    }
    return `failed: ${explainFailure(r)}${r.error ? ` (${r.error})` : ''}`;
  }
}

export class CommandLog {
  /** @type {Map<string, LogEntry[]>} device → entries, oldest first */
  #byDevice = new Map();
  /** @type {Map<string, Map<string, LogEntry>>} id → device → entry */
  #pending = new Map();
  /** @type {LogEntry[]} the newest entries of every device, oldest first */
  #recent = [];
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

  /** The newest entries across all devices, oldest first (live view). */
  recent() { return this.#recent; }

  /** Whether anything was logged yet. */
  get empty() { return this.#recent.length === 0; }

  #push(device, entry) {
    entry.device = device;
    this.#recent.push(entry);
    if (this.#recent.length > MAX_RECENT) this.#recent.splice(0, this.#recent.length - MAX_RECENT);
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
    const kind = commandKind(cmd);
    const byDev = id ? new Map() : null;
    for (const d of devices) {
      const e = new LogEntry(++this.#seq, t, text, id, kind);
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
      e.state = r.ok ? 'ok' : r.error === 'cancelled' ? 'cancelled' : 'error';
      this.#emit(device);
      return e;
    }
    if (r.ok) return null;
    const x = new LogEntry(++this.#seq, this.#now(), r.id ? `result for ${r.id}` : 'agent reported');
    x.state = r.error === 'cancelled' ? 'cancelled' : 'error';
    x.result = r;
    this.#push(device, x);
    return x;
  }

  /** Whether `id` still waits for a result from `device`. */
  isPending(id, device) { return !!this.#pending.get(id)?.has(device); }
}
