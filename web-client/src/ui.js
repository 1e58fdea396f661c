// SPDX-License-Identifier: MIT
// ui.js — the page's panels other than the device list: link badge, login,
// paste, combos, macros, log, toast. Each panel owns its elements and calls
// back into the app; none of them talks MQTT.

import { COMBOS } from './combos.js';
import { PACES } from './protocol.js';
import { formatScript, parseScript } from './macros.js';

export const $ = (id) => document.getElementById(id);

const LINK_WORDS = {
  offline: 'offline',
  connecting: 'connecting…',
  connected: 'connected',
  reconnecting: 'reconnecting…',
};

/** The link state in the header. */
export class LinkBadge {
  #root = $('link-state');
  #text = $('link-text');

  show(state, detail, who) {
    this.#root.dataset.state = state;
    let t = LINK_WORDS[state] ?? state;
    if (state === 'connected' && who) t += ` as ${who}`;
    if (detail && state !== 'connected') t += ` — ${detail}`;
    this.#text.textContent = t;
  }
}

/** Short messages that go away by themselves (role=alert). */
export class Toast {
  #el = $('toast');
  #timer = 0;

  say(text, ms = 3500) {
    this.#el.textContent = text;
    this.#el.hidden = false;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => { this.#el.hidden = true; }, ms);
  }
}

/** The login form. onSubmit({username,password,url,prefix}). */
export class LoginView {
  #form = $('login-form');
  #err = $('login-error');

  constructor({ settings, onSubmit }) {
    $('login-user').value = settings.get('username');
    $('login-url').value = settings.get('url');
    $('login-prefix').value = settings.get('prefix') === 'keymime' ? '' : settings.get('prefix');
    if (settings.get('url') || $('login-prefix').value) $('login-adv').open = true;
    this.#form.addEventListener('submit', (e) => {
      e.preventDefault();
      const username = $('login-user').value.trim();
      if (!username) { this.error('Enter a user name.'); $('login-user').focus(); return; }
      onSubmit({
        username,
        password: $('login-pass').value,
        url: $('login-url').value.trim(),
        prefix: $('login-prefix').value.trim(),
      });
    });
  }

  error(text) { this.#err.textContent = text; }

  /** Show the login form (true) or the dashboard (false). */
  show(visible) {
    $('login').hidden = !visible;
    $('app').hidden = visible;
    $('logout').hidden = visible;
    if (visible) ($('login-user').value ? $('login-pass') : $('login-user')).focus();
  }
}

/** The paste panel: text, pace, layout override, progress, cancel. */
export class PastePanel {
  #bar = $('paste-progress');
  #status = $('paste-status');

  constructor({ settings, onSend, onCancel }) {
    const pace = $('paste-pace');
    for (const p of PACES) pace.add(new Option(p.label, p.key));
    pace.value = settings.get('pace');
    $('paste-layout').value = settings.get('layout');
    pace.addEventListener('change', () => settings.set({ pace: pace.value }));
    $('paste-layout').addEventListener('change', () => settings.set({ layout: $('paste-layout').value.trim() }));
    $('paste-send').addEventListener('click', () => {
      const text = $('paste-text').value;
      if (!text) { this.say('Nothing to type: the text box is empty.'); return; }
      const p = PACES.find((x) => x.key === pace.value) ?? PACES[0];
      onSend({ text, delayMs: p.delayMs, layout: $('paste-layout').value.trim() });
    });
    $('paste-cancel').addEventListener('click', onCancel);
  }

  say(text) { this.#status.textContent = text; }

  /** Show a job's progress (see paste.PasteJob) at time now. */
  show(job, now) {
    if (!job) { this.#bar.value = 0; $('paste-cancel').disabled = true; return; }
    const c = job.counts();
    const n = job.devices.size;
    this.#bar.value = job.finished ? 1 : job.fraction(now);
    $('paste-cancel').disabled = job.finished;
    if (job.finished) {
      const parts = [`${c.done}/${n} done`];
      if (c.failed) parts.push(`${c.failed} failed`);
      if (c.cancelled) parts.push(`${c.cancelled} cancelled`);
      const err = [...job.devices.entries()].find(([, s]) => s.error);
      this.say(parts.join(', ') + (err ? ` — ${err[0]}: ${err[1].error}` : ''));
    } else {
      const left = job.remainingS(now);
      const eta = left == null ? '' : left >= 1 ? `, about ${Math.ceil(left)} s left` : ', finishing';
      this.say(`${job.cancelled ? 'Cancelling… ' : 'Typing '}${job.chars} chars: ${c.done}/${n} done${eta}`);
    }
  }
}

/** Buttons for the built-in combos. onCombo({label, keys}). */
export function buildCombos(onCombo) {
  const box = $('combos');
  for (const c of COMBOS) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = c.label;
    b.title = `Send ${c.keys}`;
    b.addEventListener('click', () => onCombo(c));
    box.append(b);
  }
}

/** The macro list and editor. */
export class MacroPanel {
  #store;
  #onRun;
  #editing = null;

  constructor({ store, onRun }) {
    this.#store = store;
    this.#onRun = onRun;
    $('macro-new').addEventListener('click', () => this.edit(null));
    $('macro-cancel').addEventListener('click', () => this.#close());
    $('macro-form').addEventListener('submit', (e) => { e.preventDefault(); this.#save(); });
    this.render();
  }

  render() {
    const ul = $('macro-list');
    ul.replaceChildren();
    const macros = this.#store.list();
    if (macros.length === 0) {
      const li = document.createElement('li');
      li.className = 'muted';
      li.textContent = 'No macro yet.';
      ul.append(li);
    }
    for (const m of macros) ul.append(this.#item(m));
  }

  #item(m) {
    const li = document.createElement('li');
    const name = document.createElement('span');
    name.className = 'mname';
    name.textContent = m.name;
    const steps = document.createElement('span');
    steps.className = 'msteps';
    steps.textContent = `${m.steps.length} step${m.steps.length === 1 ? '' : 's'}`;
    const btn = (label, aria, fn) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = label;
      b.setAttribute('aria-label', `${aria} ${m.name}`);
      b.addEventListener('click', fn);
      return b;
    };
    li.append(name, steps,
      btn('Run', 'Run macro', () => this.#onRun(m)),
      btn('Edit', 'Edit macro', () => this.edit(m.id)),
      btn('Delete', 'Delete macro', () => {
        if (confirm(`Delete the macro "${m.name}"?`)) { this.#store.remove(m.id); this.render(); }
      }));
    return li;
  }

  edit(id) {
    const m = id ? this.#store.get(id) : null;
    this.#editing = m ? m.id : null;
    $('macro-name').value = m ? m.name : '';
    $('macro-script').value = m ? formatScript(m.steps) : '';
    $('macro-errors').textContent = '';
    $('macro-form').hidden = false;
    $('macro-name').focus();
  }

  #save() {
    const { steps, errors } = parseScript($('macro-script').value);
    if (errors.length) { $('macro-errors').textContent = errors.join('; '); return; }
    const r = this.#store.save(this.#editing, $('macro-name').value, steps);
    if (r.errors) { $('macro-errors').textContent = r.errors.join('; '); return; }
    this.#close();
    this.render();
  }

  #close() {
    $('macro-form').hidden = true;
    this.#editing = null;
    $('macro-new').focus();
  }
}

const fmtTime = (t) => {
  const d = new Date(performance.timeOrigin + t);
  return d.toLocaleTimeString([], { hour12: false });
};

/** The per-device log. */
export class LogPanel {
  #log;
  #select = $('log-device');
  #list = $('log');
  #device = '';
  #dirty = false;

  constructor({ log }) {
    this.#log = log;
    this.#select.addEventListener('change', () => this.open(this.#select.value));
    log.onChange((d) => {
      if (!this.#device) this.#device = d;
      if (d === this.#device || ![...this.#select.options].some((o) => o.value === d)) this.#schedule();
    });
  }

  /** Show the log of one device. */
  open(device) {
    this.#device = device;
    this.#schedule();
  }

  #schedule() {
    if (this.#dirty) return;
    this.#dirty = true;
    requestAnimationFrame(() => { this.#dirty = false; this.render(); });
  }

  render() {
    const devices = this.#log.devices();
    if (this.#device && !devices.includes(this.#device)) devices.unshift(this.#device);
    const opts = [...this.#select.options].map((o) => o.value);
    if (opts.join('\n') !== devices.join('\n')) {
      this.#select.replaceChildren(...devices.map((d) => new Option(d, d)));
    }
    this.#select.value = this.#device;
    const entries = this.#log.entries(this.#device).slice(-100).reverse();
    this.#list.replaceChildren(...entries.map((e) => {
      const li = document.createElement('li');
      li.className = e.state;
      const when = document.createElement('span');
      when.className = 'when';
      when.textContent = fmtTime(e.t);
      const what = document.createElement('span');
      what.className = 'what';
      what.textContent = e.text;
      li.append(when, what);
      const out = e.outcome;
      if (out) {
        const o = document.createElement('span');
        o.className = 'outcome';
        o.textContent = e.rttMs != null ? `${out} — round trip ${e.rttMs} ms` : out;
        li.append(o);
      }
      return li;
    }));
    if (entries.length === 0) {
      const li = document.createElement('li');
      li.className = 'info';
      li.textContent = this.#device ? 'Nothing sent to this device yet.' : 'Nothing sent yet.';
      this.#list.append(li);
    }
  }
}
