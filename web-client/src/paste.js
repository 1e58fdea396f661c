// SPDX-License-Identifier: MIT
// paste.js — progress of a long text being typed on several devices.
//
// The contract promises only the final result ({"ok":true,"chars":…,"ms":…})
// and busy/queue in the retained status, so progress is estimated: each
// device's typing rate (ms per character at a given pace) is learnt from
// its past results, and the bar runs on elapsed time against that estimate,
// held below 100% until the real result arrives. If the agent publishes
// {"progress":{"id","done","total"}} in its status, that wins.

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

/**
 * One paste sent to several devices. Per device: pending → done | failed |
 * cancelled. fraction() is the bar: mean of the devices' fractions.
 */
export class PasteJob {
  constructor({ id, devices, chars, delayMs, startedAt, rates }) {
    this.id = id;
    this.chars = chars;
    this.delayMs = delayMs;
    this.startedAt = startedAt;
    this.cancelled = false;
    /** @type {Map<string,{state:string, estimateMs:number, progress:?object, error:?string}>} */
    this.devices = new Map();
    for (const d of devices) {
      this.devices.set(d, {
        state: 'pending',
        estimateMs: Math.max(50, chars * rates.rate(d, delayMs)),
        progress: null,
        error: null,
      });
    }
  }

  /** A result for this job from device. */
  finish(device, result) {
    const s = this.devices.get(device);
    if (!s || s.state !== 'pending') return false;
    s.state = result.ok ? 'done' : (this.cancelled ? 'cancelled' : 'failed');
    s.error = result.ok ? null : (result.detail || result.error);
    return true;
  }

  /** The agent published {"progress":{…}} for this id. */
  progress(device, p) {
    const s = this.devices.get(device);
    if (s && p && p.id === this.id) s.progress = p;
  }

  /** The user cancelled: devices still pending will report an error. */
  cancel() { this.cancelled = true; }

  get finished() {
    for (const s of this.devices.values()) if (s.state === 'pending') return false;
    return true;
  }

  /** Counts by state. */
  counts() {
    const c = { pending: 0, done: 0, failed: 0, cancelled: 0 };
    for (const s of this.devices.values()) c[s.state] += 1;
    return c;
  }

  /** 0…1 for one device at time now. */
  deviceFraction(s, now) {
    if (s.state !== 'pending') return 1;
    if (s.progress) return Math.min(0.99, s.progress.done / s.progress.total);
    return Math.min(0.95, Math.max(0, now - this.startedAt) / s.estimateMs);
  }

  /** 0…1 for the whole job. */
  fraction(now) {
    if (this.devices.size === 0) return 1;
    let sum = 0;
    for (const s of this.devices.values()) sum += this.deviceFraction(s, now);
    return sum / this.devices.size;
  }

  /** Seconds left by the slowest pending device's estimate (null if done). */
  remainingS(now) {
    let worst = null;
    for (const s of this.devices.values()) {
      if (s.state !== 'pending') continue;
      const left = s.progress
        ? (s.estimateMs * (1 - s.progress.done / s.progress.total))
        : Math.max(0, s.estimateMs - (now - this.startedAt));
      worst = Math.max(worst ?? 0, left / 1000);
    }
    return worst;
  }
}
