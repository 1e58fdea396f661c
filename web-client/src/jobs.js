// SPDX-License-Identifier: MIT
// jobs.js — what became of one command sent to several devices. Pure.
//
// Per device: waiting (sent, nothing heard yet) → typing → done | failed |
// cancelled, with the reason. Progress comes from the agent's progress
// messages (`<prefix>/<id>/progress`: characters typed so far of the total);
// a device that sends none (an older agent) is shown typing once its status
// says busy, and the bar runs on an estimate learnt from earlier results
// (ms per character per pace), held below 100 % until its result arrives.

import { explainFailure } from './errors.js';
import { plural } from './protocol.js';

/** ms per character assumed before any result was seen. */
export function defaultRate(delayMs) {
  // a keystroke is a press and a release report; the agent waits delay_ms
  // between keystrokes, and a few ms of USB polling on top.
  return (delayMs ?? 0) + 4;
}

/** Learns typing speed per (device, pace). */
export class RateBook {
  #rates = new Map();

  #key(device, delayMs) { return `${device}\u0000${delayMs ?? 'default'}`; }

  /** ms per character for device at pace. */
  rate(device, delayMs) {
    return this.#rates.get(this.#key(device, delayMs)) ?? defaultRate(delayMs);
  }

  /** Learn from a result: chars typed in ms. Short texts teach little. */
  learn(device, delayMs, chars, ms) {
    if (!(chars >= 8) || !(ms >= 0)) return;
    const k = this.#key(device, delayMs);
    const sample = ms / chars;
    const old = this.#rates.get(k);
    this.#rates.set(k, old == null ? sample : old * 0.5 + sample * 0.5);
  }
}

export const OPEN_STATES = Object.freeze(['waiting', 'typing']);
const isOpen = (s) => s.state === 'waiting' || s.state === 'typing';

/** One device's part of a job. */
class Part {
  constructor(estimateMs) {
    this.state = 'waiting';
    this.estimateMs = estimateMs;
    this.typed = 0;          // characters typed, when known
    this.real = false;       // typed comes from the agent (progress/result)
    this.total = 0;          // the agent's total, from progress
    this.reason = '';        // why it failed or was cancelled
    this.error = null;       // the agent's error code
  }
}

/**
 * One command sent to several devices. kind: text | seq | keys | …;
 * chars: characters of text in it (0 for keys).
 */
export class Job {
  constructor({ id, kind = 'text', label = '', devices, chars = 0, delayMs = null, startedAt, rates, group = null }) {
    Object.assign(this, { id, kind, label, chars, delayMs, startedAt, group });
    this.cancelled = false;
    this.extra = 0;          // answers from group members the page had not listed
    this.#rates = rates;
    /** @type {Map<string, Part>} */
    this.devices = new Map();
    for (const d of devices) this.devices.set(d, this.#part(d));
  }

  #rates;

  #part(d) {
    const per = this.#rates ? this.#rates.rate(d, this.delayMs) : defaultRate(this.delayMs);
    return new Part(Math.max(50, this.chars * per));
  }

  /** The agent says how far it got. */
  progress(device, p) {
    const s = this.devices.get(device);
    if (!s || !isOpen(s) || !p || p.id !== this.id) return false;
    s.state = 'typing';
    s.typed = p.done;
    s.total = p.total;
    s.real = true;
    return true;
  }

  /** The device's status says busy: it is typing something, likely this. */
  busy(device) {
    const s = this.devices.get(device);
    if (s && s.state === 'waiting') { s.state = 'typing'; return true; }
    return false;
  }

  /**
   * A result for this job from device. A group job takes answers from
   * members the page had not listed too (results name their device).
   */
  finish(device, r) {
    let s = this.devices.get(device);
    if (!s && this.group) {
      s = this.#part(device);
      this.devices.set(device, s);
      this.extra += 1;
    }
    if (!s || !isOpen(s)) return false;
    s.typed = r.chars ?? (r.ok ? this.chars : s.typed);
    s.real = r.chars != null || s.real;
    s.error = r.ok ? null : r.error;
    if (r.ok) s.state = 'done';
    else if (r.error === 'cancelled') s.state = 'cancelled';
    else s.state = 'failed';
    s.reason = r.ok ? '' : s.state === 'cancelled' ? this.#cancelReason() : explainFailure(r);
    return true;
  }

  #cancelReason() { return this.cancelled ? 'cancelled by you' : 'cancelled'; }

  /** The device went offline before answering. */
  lost(device) {
    return this.finish(device, { ok: false, error: 'offline', detail: 'went offline before it finished', chars: null });
  }

  /** Devices past 3× their estimate + 10 s without an answer fail. */
  expire(now) {
    let any = false;
    for (const [d, s] of this.devices) {
      if (isOpen(s) && now - this.startedAt > s.estimateMs * 3 + 10000) {
        any = this.finish(d, { ok: false, error: 'timeout', detail: 'no answer', chars: null }) || any;
      }
    }
    return any;
  }

  /** The user cancelled: devices still open will answer "cancelled". */
  cancel() { this.cancelled = true; }

  /** Devices still waiting or typing. */
  open() { return [...this.devices].filter(([, s]) => isOpen(s)).map(([d]) => d); }

  get finished() {
    for (const s of this.devices.values()) if (isOpen(s)) return false;
    return true;
  }

  counts() {
    const c = { waiting: 0, typing: 0, done: 0, failed: 0, cancelled: 0 };
    for (const s of this.devices.values()) c[s.state] += 1;
    return c;
  }

  /** running | ok | failed | cancelled: what the colour says. */
  get outcome() {
    if (!this.finished) return 'running';
    const c = this.counts();
    if (c.failed) return 'failed';
    if (c.cancelled) return 'cancelled';
    return 'ok';
  }

  /** 0…1 of one device's work at time now. */
  partFraction(s, now) {
    if (s.state === 'done') return 1;
    if (this.chars === 0) return 0;
    if (s.real || !isOpen(s)) return Math.min(1, s.typed / (s.total || this.chars));
    if (s.state === 'waiting') return 0;
    return Math.min(0.95, Math.max(0, now - this.startedAt) / s.estimateMs);
  }

  /** 0…1 of the whole job: characters typed, or devices done for keys. */
  fraction(now) {
    if (this.devices.size === 0) return 1;
    let sum = 0;
    for (const s of this.devices.values()) sum += this.partFraction(s, now);
    return sum / this.devices.size;
  }

  /** Seconds left by the slowest open device's estimate (null when finished). */
  remainingS(now) {
    let worst = null;
    for (const s of this.devices.values()) {
      if (!isOpen(s)) continue;
      const left = s.real
        ? s.estimateMs * (1 - s.typed / (s.total || this.chars || 1))
        : Math.max(0, s.estimateMs - (now - this.startedAt));
      worst = Math.max(worst ?? 0, left / 1000);
    }
    return worst;
  }

  /** One device's state in words: "typing 42 %", "failed: …". */
  describe(device) {
    const s = this.devices.get(device);
    if (!s) return '';
    const of = this.chars ? ` after ${s.typed} of ${plural(this.chars, 'character')}` : '';
    switch (s.state) {
      case 'waiting': return 'waiting';
      case 'typing': return s.real ? `typing ${Math.floor((100 * s.typed) / (s.total || this.chars))} %` : 'typing…';
      case 'done': return 'done';
      case 'cancelled': return `${s.reason}${s.real ? of : ''}`;
      default: return `failed${s.real && s.typed ? of : ''}: ${s.reason}`;
    }
  }

  /** The short form for a device's row: the reason is in describe(). */
  describeShort(device) {
    const s = this.devices.get(device);
    if (!s) return '';
    if (s.state === 'cancelled') return 'cancelled';
    if (s.state === 'failed') return `failed: ${s.reason.split(' — ')[0]}`;
    return this.describe(device);
  }

  /** The whole job in one line: "Typing 200 characters on 2 devices: 1 done, 1 typing". */
  summary(now, label = (id) => id) {
    const c = this.counts();
    const n = this.devices.size;
    const what = this.label || (this.chars ? `${plural(this.chars, 'character')}` : 'command');
    const on = n === 1 ? label([...this.devices.keys()][0]) : plural(n, 'device');
    const parts = [];
    for (const k of ['done', 'typing', 'waiting', 'failed', 'cancelled']) if (c[k]) parts.push(`${c[k]} ${k}`);
    if (this.finished) {
      const head = { ok: 'Done', failed: 'Failed', cancelled: 'Cancelled' }[this.outcome];
      return `${head}: ${what} on ${on} — ${parts.join(', ')}`;
    }
    const left = this.remainingS(now);
    const eta = left == null || !this.chars ? '' : left >= 1 ? `, about ${Math.ceil(left)} s left` : '';
    const verb = this.cancelled ? 'Cancelling' : this.chars ? 'Typing' : 'Sending';
    return `${verb} ${what} ${this.chars ? 'on' : 'to'} ${on} — ${parts.join(', ')}${eta}`;
  }
}
