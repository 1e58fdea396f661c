// SPDX-License-Identifier: MIT
// macros.js — user macros (named sequences of steps) kept in localStorage,
// and the one-step-per-line text form used to edit them; and which of the
// agents' own macros (their status) a selection shares. Pure but for the
// borrowed storage object.
//
// Storage format, key "keymime.macros.v1":
//   {"version":1,"macros":[{"id":"m-…","name":"Login as root",
//     "steps":[{"text":"root"},{"keys":"enter"},{"delay_ms":800},{"text":"…"}]}]}
// Steps are exactly the agent's "seq" items, so a macro is sent as
// {"id":…, "seq": steps} without translation.
//
// Edit form, one step per line:
//   text: root          type text; \n \t \\ are escapes
//   keys: enter         a chord sequence, as on the keys topic
//   delay: 800          wait, in ms
//   # comment / blank lines are skipped

export const STORAGE_KEY = 'keymime.macros.v1';
export const MAX_DELAY_MS = 60000;

/** Validate one step; returns an error string or null. */
export function stepError(s) {
  if (!s || typeof s !== 'object') return 'not an object';
  const keys = Object.keys(s);
  if (keys.length !== 1) return 'a step has exactly one of text, keys, delay_ms';
  const [k] = keys;
  if (k === 'text') return typeof s.text === 'string' && s.text !== '' ? null : 'empty text';
  if (k === 'keys') return typeof s.keys === 'string' && s.keys.trim() !== '' ? null : 'empty keys';
  if (k === 'delay_ms') {
    return Number.isInteger(s.delay_ms) && s.delay_ms >= 0 && s.delay_ms <= MAX_DELAY_MS
      ? null : `delay must be 0…${MAX_DELAY_MS} ms`;
  }
  return `unknown step "${k}"`;
}

function unescapeText(t) {
  return t.replace(/\\(n|t|\\)/g, (_, c) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));
}

function escapeText(t) {
  return t.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}

/**
 * Parse the edit form. Returns {steps, errors}: errors name the line
 * ("line 3: …"); steps is empty when there are errors.
 */
export function parseScript(script) {
  const steps = [];
  const errors = [];
  String(script).split(/\r?\n/).forEach((line, i) => {
    const l = line.replace(/^\s+/, '');
    if (l === '' || l.startsWith('#')) return;
    const m = /^(text|type|keys|key|delay|wait)\s*:\s?(.*)$/i.exec(l);
    if (!m) { errors.push(`line ${i + 1}: expected "text:", "keys:" or "delay:"`); return; }
    const kind = m[1].toLowerCase();
    let step;
    if (kind === 'text' || kind === 'type') step = { text: unescapeText(m[2]) };
    else if (kind === 'keys' || kind === 'key') step = { keys: m[2].trim() };
    else step = { delay_ms: /^\d+$/.test(m[2].trim()) ? Number(m[2].trim()) : NaN };
    const err = stepError(step);
    if (err) errors.push(`line ${i + 1}: ${err}`); else steps.push(step);
  });
  if (steps.length === 0 && errors.length === 0) errors.push('a macro needs at least one step');
  return errors.length ? { steps: [], errors } : { steps, errors };
}

/** Steps → edit form (inverse of parseScript). */
export function formatScript(steps) {
  return steps.map((s) => {
    if ('text' in s) return `text: ${escapeText(s.text)}`;
    if ('keys' in s) return `keys: ${s.keys}`;
    return `delay: ${s.delay_ms}`;
  }).join('\n');
}

/**
 * The macros the agents themselves have (status `macros`: `macro.NAME` in
 * their configuration) that every one of these statuses lists, in the first
 * one's order: what can be run on all of them at once.
 */
export function sharedMacros(statuses) {
  if (statuses.length === 0 || statuses.some((s) => !s)) return [];
  return statuses[0].macros.filter((m) => statuses.every((s) => s.macros.includes(m)));
}

/** The macros of this browser. */
export class MacroStore {
  #storage;
  #macros;
  #newId;

  /**
   * @param {Storage|null} storage localStorage or a stand-in (borrowed)
   * @param {() => string} newId id maker, injectable for tests
   */
  constructor(storage, newId = () => `m-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`) {
    this.#storage = storage;
    this.#newId = newId;
    this.#macros = MacroStore.decode(storage?.getItem(STORAGE_KEY) ?? null);
  }

  /**
   * Decode the stored JSON; bad macros are dropped, not fatal, so one
   * corrupt entry cannot lose the others.
   */
  static decode(json) {
    if (!json) return [];
    let o;
    try { o = JSON.parse(json); } catch { return []; }
    if (!o || o.version !== 1 || !Array.isArray(o.macros)) return [];
    return o.macros.filter((m) => m && typeof m.id === 'string' && typeof m.name === 'string'
      && Array.isArray(m.steps) && m.steps.length > 0 && m.steps.every((s) => !stepError(s)))
      .map((m) => ({ id: m.id, name: m.name, steps: m.steps.map((s) => ({ ...s })) }));
  }

  static encode(macros) {
    return JSON.stringify({ version: 1, macros });
  }

  /** All macros, in the user's order (copies). */
  list() { return this.#macros.map((m) => ({ ...m, steps: m.steps.map((s) => ({ ...s })) })); }

  get(id) { return this.list().find((m) => m.id === id) ?? null; }

  #save() {
    try { this.#storage?.setItem(STORAGE_KEY, MacroStore.encode(this.#macros)); } catch { /* quota */ }
  }

  /**
   * Create (id null) or replace a macro. Returns {macro} or {errors}.
   */
  save(id, name, steps) {
    const n = String(name ?? '').trim();
    const errors = [];
    if (!n) errors.push('a macro needs a name');
    if (!Array.isArray(steps) || steps.length === 0) errors.push('a macro needs at least one step');
    else steps.forEach((s, i) => { const e = stepError(s); if (e) errors.push(`step ${i + 1}: ${e}`); });
    if (errors.length) return { errors };
    const macro = { id: id ?? this.#newId(), name: n, steps: steps.map((s) => ({ ...s })) };
    const i = this.#macros.findIndex((m) => m.id === macro.id);
    if (i >= 0) this.#macros[i] = macro; else this.#macros.push(macro);
    this.#save();
    return { macro };
  }

  remove(id) {
    const before = this.#macros.length;
    this.#macros = this.#macros.filter((m) => m.id !== id);
    if (this.#macros.length !== before) this.#save();
    return this.#macros.length !== before;
  }
}
