// SPDX-License-Identifier: MIT
// protocol.js — the keymime MQTT contract as pure functions: topic names,
// status parsing, command building, command ids. No DOM, no network: shared
// by the page and the node tests.

// The topic layout: the same rules as the agent's agent/core/topics.c; both
// are tested against tests/data/topics.json (web-client/test/topics.test.js).

/** Device ids and group names (docs: `[A-Za-z0-9_-]{1,64}`). */
export const DEVICE_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** Group names follow the same rule as device ids. */
export const GROUP_RE = DEVICE_ID_RE;

/** The default topic prefix. */
export const DEFAULT_PREFIX = 'keymime';

const PREFIX_MAX = 128;   // bytes
const COMMAND_LEAVES = new Set(['type', 'keys', 'cmd', 'script']);
const LEAVES = new Set([...COMMAND_LEAVES, 'availability', 'status', 'result', 'progress']);

/** A group name: `[A-Za-z0-9_-]{1,64}`. */
export function validId(s) {
  return typeof s === 'string' && DEVICE_ID_RE.test(s);
}

/** A device id: a valid id other than `group` (the level of group topics). */
export function validDeviceId(s) {
  return validId(s) && s !== 'group';
}

/**
 * A topic prefix: 1 to 128 bytes of non-empty levels, no wildcard, no NUL,
 * not starting with `$` (the broker's own topics).
 */
export function validPrefix(p) {
  if (typeof p !== 'string' || p === '') return false;
  if (new TextEncoder().encode(p).length > PREFIX_MAX) return false;
  if (p.startsWith('/') || p.startsWith('$') || p.endsWith('/') || p.includes('//')) return false;
  return !/[+#\0]/.test(p);
}

/**
 * Normalise a topic prefix typed by a user: trims spaces and slashes.
 * Returns DEFAULT_PREFIX when nothing usable is left, and null when what is
 * left is no valid prefix (wildcards, empty levels, a leading `$`).
 */
export function normalisePrefix(raw) {
  const p = String(raw ?? '').trim().replace(/^\/+|\/+$/g, '');
  if (p === '') return DEFAULT_PREFIX;
  return validPrefix(p) ? p : null;
}

/**
 * What a topic under prefix is: {scope: 'device', name, leaf} for
 * `<prefix>/<id>/<leaf>`, {scope: 'group', name, leaf} for a group's command
 * topic `<prefix>/group/<g>/{type,keys,cmd,script}`, or null.
 */
export function classifyTopic(prefix, topic) {
  const head = `${prefix}/`;
  if (typeof topic !== 'string' || !topic.startsWith(head)) return null;
  const rest = topic.slice(head.length).split('/');
  if (rest.length === 3 && rest[0] === 'group') {
    const [, name, leaf] = rest;
    return validId(name) && COMMAND_LEAVES.has(leaf) ? { scope: 'group', name, leaf } : null;
  }
  if (rest.length !== 2 || rest[0] === 'group') return null;
  const [name, leaf] = rest;
  return validId(name) && LEAVES.has(leaf) ? { scope: 'device', name, leaf } : null;
}

const TOPIC_KINDS = new Set(['availability', 'status', 'result', 'progress']);

/** The topic names for one prefix. Immutable once built. */
export class Topics {
  #prefix;

  /** @param {string} prefix an already normalised prefix */
  constructor(prefix = DEFAULT_PREFIX) {
    this.#prefix = prefix;
  }

  get prefix() { return this.#prefix; }

  /**
   * Wildcard subscriptions that collect results and progress and discover
   * the fleet, in the order the link makes them (one at a time, see
   * link.js). Results and progress first: nothing of theirs is retained, and
   * a device can be chosen only once its availability or status has
   * arrived, so every command the page sends finds them in place (made
   * last, a fast agent's result could come before them and be lost).
   * Availability before status: a device listed is one whose online state
   * is known (chosen between the two, a device listed from its status alone
   * would be taken for offline when sent to).
   */
  subscriptions() {
    const p = this.#prefix;
    return [`${p}/+/result`, `${p}/+/progress`, `${p}/+/availability`, `${p}/+/status`];
  }

  /**
   * The fleet's roll call: every agent publishes its availability and status
   * again (brokers such as RabbitMQ give a wildcard subscription no retained
   * messages, so without it the fleet would stay empty).
   */
  rollcall() { return `${this.#prefix}/rollcall`; }

  /** A topic of one device (leaf: type, keys, cmd, status, …). */
  device(id, leaf) { return `${this.#prefix}/${id}/${leaf}`; }

  /** A command topic of a group (every device is in group `all`). */
  group(name, leaf) { return `${this.#prefix}/group/${name}/${leaf}`; }

  /** Command topic of one device. */
  deviceCmd(id) { return this.device(id, 'cmd'); }

  /** Command topic of a group. */
  groupCmd(group) { return this.group(group, 'cmd'); }

  /**
   * Split an incoming topic into {id, kind} where kind is one of
   * availability | status | result | progress. Returns null for anything else,
   * including the `group` pseudo-device and ids the agent would refuse.
   */
  parse(topic) {
    const t = classifyTopic(this.#prefix, topic);
    if (!t || t.scope !== 'device' || !TOPIC_KINDS.has(t.leaf)) return null;
    return { id: t.name, kind: t.leaf };
  }
}

/** Payload bytes (Uint8Array, Buffer or string) → string. */
export function payloadText(payload) {
  if (typeof payload === 'string') return payload;
  return new TextDecoder('utf-8', { fatal: false }).decode(payload);
}

/**
 * Parse a retained availability payload. Returns true (online),
 * false (offline) or null (empty = retained message cleared, or garbage).
 */
export function parseAvailability(payload) {
  const t = payloadText(payload).trim().toLowerCase();
  if (t === 'online') return true;
  if (t === 'offline') return false;
  return null;
}

const HOST_STATES = new Set(['connected', 'disconnected', 'suspended', 'unknown']);

/** The target operating systems an agent knows (docs/protocol.md). */
export const TARGETS = Object.freeze([
  { key: 'linux', label: 'Linux' },
  { key: 'windows', label: 'Windows' },
  { key: 'macos', label: 'macOS' },
  { key: 'chromeos', label: 'ChromeOS' },
]);

/** "windows" → "Windows"; unknown names are shown as they are. */
export const targetLabel = (t) => TARGETS.find((x) => x.key === t)?.label ?? t;

/** The agent's defaults (docs/protocol.md, Limits), for statuses without `limits`. */
export const DEFAULT_LIMITS = Object.freeze({ maxChars: 65536, maxPayload: 262144, maxSteps: 1000 });

function bool(v) { return v === true; }

function nonNegInt(v) {
  return Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0;
}

function posIntOr(v, dflt) {
  return Number.isInteger(v) && v > 0 ? v : dflt;
}

function str(v) { return typeof v === 'string' ? v : ''; }

function parseLimits(l) {
  const o = l && typeof l === 'object' ? l : {};
  return {
    maxChars: posIntOr(o.max_chars, DEFAULT_LIMITS.maxChars),
    maxPayload: posIntOr(o.max_payload, DEFAULT_LIMITS.maxPayload),
    maxSteps: posIntOr(o.max_steps, DEFAULT_LIMITS.maxSteps),
  };
}

/** Parse a JSON object payload; null for anything else. Never throws. */
function jsonObject(payload) {
  const text = payloadText(payload);
  if (text.trim() === '') return null;
  let o;
  try { o = JSON.parse(text); } catch { return null; }
  return o !== null && typeof o === 'object' && !Array.isArray(o) ? o : null;
}

/**
 * Parse a retained status payload into a plain, fully-populated object.
 * Optional fields (name, location, target) are '' when absent; `limits`
 * falls back to the agent's defaults. Returns null when the payload is
 * empty (status cleared) or not a JSON object. Never throws.
 */
export function parseStatus(payload) {
  const o = jsonObject(payload);
  if (!o) return null;
  const leds = o.leds && typeof o.leds === 'object' ? o.leds : {};
  const groups = Array.isArray(o.groups)
    ? o.groups.filter((g) => typeof g === 'string' && g !== '') : [];
  if (!groups.includes('all')) groups.unshift('all');
  return {
    deviceId: typeof o.device_id === 'string' ? o.device_id : null,
    name: str(o.name).trim(),
    location: str(o.location).trim(),
    version: str(o.version),
    layout: str(o.layout),
    target: str(o.target),
    groups,
    // the macros of the agent's configuration, run by {"macro": name}
    macros: Array.isArray(o.macros) ? o.macros.filter((m) => typeof m === 'string' && validId(m)) : [],
    host: HOST_STATES.has(o.host) ? o.host : 'unknown',
    // "known": false until the host has sent its first LED report
    ledsKnown: leds.known !== false,
    leds: {
      num: bool(leds.num_lock),
      caps: bool(leds.caps_lock),
      scroll: bool(leds.scroll_lock),
    },
    busy: bool(o.busy),
    queue: nonNegInt(o.queue),
    uptimeS: Number.isFinite(o.uptime_s) ? o.uptime_s : null,
    limits: parseLimits(o.limits),
    counters: o.counters && typeof o.counters === 'object' ? o.counters : {},
  };
}

/**
 * Parse a progress message (`<prefix>/<id>/progress`, not retained):
 * {"id":"…","device":"pi1","chars":n,"chars_total":m,"keys":k,"keys_total":l,"ms":…}.
 * A command with no text (keys) counts keys instead. Returns
 * {id, device, done, total} or null.
 */
export function parseProgress(payload) {
  const o = jsonObject(payload);
  if (!o || o.id == null) return null;
  let done = Number(o.chars ?? o.done);
  let total = Number(o.chars_total ?? o.total);
  if (!(total > 0) && Number(o.keys_total) > 0) {
    done = Number(o.keys);
    total = Number(o.keys_total);
  }
  if (!Number.isFinite(done) || !Number.isFinite(total) || total <= 0 || done < 0) return null;
  return {
    id: String(o.id),
    device: typeof o.device === 'string' ? o.device : null,
    done: Math.min(done, total),
    total,
  };
}

/**
 * Parse a result payload. Returns {id, device, ok, error, detail, chars,
 * ms, raw} or null when it is not a JSON object. `device` is the result's
 * own "device" field (every result names its device), or null.
 */
export function parseResult(payload) {
  const o = jsonObject(payload);
  if (!o) return null;
  return {
    id: o.id == null ? null : String(o.id),
    device: typeof o.device === 'string' ? o.device : null,
    ok: o.ok === true,
    error: typeof o.error === 'string' ? o.error : (o.ok === true ? null : 'error'),
    detail: typeof o.detail === 'string' ? o.detail : '',
    chars: Number.isFinite(o.chars) ? o.chars : null,
    ms: Number.isFinite(o.ms) ? o.ms : null,
    raw: o,
  };
}

/**
 * Makes command ids unique per page load: `web-<random>-<n>`.
 * The random part keeps two open tabs from matching each other's results.
 */
export class IdMaker {
  #prefix;
  #n = 0;

  constructor(random = Math.random) {
    this.#prefix = `web-${Math.floor(random() * 0x7fffffff).toString(36)}`;
  }

  next() {
    this.#n += 1;
    return `${this.#prefix}-${this.#n}`;
  }
}

/** Pace presets for typing text: label → delay_ms between keystrokes. */
export const PACES = Object.freeze([
  { key: 'fast', label: 'Fast (agent default)', delayMs: null },
  { key: 'normal', label: 'Normal (10 ms)', delayMs: 10 },
  { key: 'slow', label: 'Slow (30 ms)', delayMs: 30 },
  { key: 'crawl', label: 'Very slow (100 ms, old BIOS)', delayMs: 100 },
]);

/**
 * Build the JSON command objects. Each returns a fresh object; ids are
 * added by the caller (commands without an id get no result matching).
 */
export const Cmd = Object.freeze({
  down: (code) => ({ down: code }),
  up: (code) => ({ up: code }),
  releaseAll: () => ({ release_all: true }),
  cancel: () => ({ cancel: true }),
  text(id, text, opts = {}) { return withOptions({ id, text }, opts); },
  keys(id, keys) { return { id, keys }; },
  seq(id, steps, opts = {}) { return withOptions({ id, seq: steps.map((s) => ({ ...s })) }, opts); },
  setLayout(id, layout) { return { id, set_layout: layout }; },
  /** A macro of the agent's configuration, by name. */
  macro(id, name) { return { id, macro: name }; },
  /** With a layout, the layout is taken for the new target in the same step. */
  setTarget(id, target, layout = '') { return layout ? { id, set_target: target, layout } : { id, set_target: target }; },
});

/** Add the optional per-command fields that are set. */
function withOptions(c, { delayMs = null, layout = '', target = '' }) {
  if (delayMs != null) c.delay_ms = delayMs;
  if (layout) c.layout = layout;
  if (target) c.target = target;
  return c;
}

/** The kind of a command: text | keys | seq | set_layout | set_target | other. */
export function commandKind(c) {
  for (const k of ['text', 'keys', 'seq', 'set_layout', 'set_target']) if (k in c) return k;
  return 'other';
}

/** "1 character", "5 characters" (with thousands separators). */
export const plural = (n, one, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** Short human summary of a command, for the log. */
export function describeCommand(c) {
  if ('text' in c) {
    const t = c.text.length > 40 ? `${c.text.slice(0, 40)}…` : c.text;
    return `type ${JSON.stringify(t)} (${plural([...c.text].length, 'character')})`;
  }
  if ('keys' in c) return `keys ${c.keys}`;
  if ('seq' in c) return `macro (${plural(c.seq.length, 'step')})`;
  if ('macro' in c) return `device macro ${c.macro}`;
  if ('set_layout' in c) return `set layout ${c.set_layout}`;
  if ('set_target' in c) return `set target ${targetLabel(c.set_target)}${c.layout ? ` with layout ${c.layout}` : ''}`;
  if ('cancel' in c) return 'cancel';
  if ('release_all' in c) return 'release all keys';
  if ('down' in c) return `down ${c.down}`;
  if ('up' in c) return `up ${c.up}`;
  return JSON.stringify(c);
}
