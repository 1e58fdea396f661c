// SPDX-License-Identifier: MIT
// actions.js — the one action area: tabs Type / Keys / Macros. Each panel
// owns its elements and calls back into the app; none of them talks MQTT.

import { AT_HAND, MENUS } from './combos.js';
import { $, button, el } from './dom.js';
import { icon } from './icons.js';
import { formatScript, parseScript } from './macros.js';
import { PACES, TARGETS, plural } from './protocol.js';

/** The ARIA tabs pattern: click or Left/Right/Home/End; one panel shown. */
export class Tabs {
  #tabs;

  constructor(list) {
    this.#tabs = [...list.querySelectorAll('[role="tab"]')];
    for (const t of this.#tabs) t.addEventListener('click', () => this.select(t));
    list.addEventListener('keydown', (e) => {
      const i = this.#tabs.indexOf(document.activeElement);
      if (i < 0) return;
      const n = this.#tabs.length;
      const next = { ArrowRight: (i + 1) % n, ArrowLeft: (i + n - 1) % n, Home: 0, End: n - 1 }[e.key];
      if (next == null) return;
      e.preventDefault();
      this.select(this.#tabs[next]);
      this.#tabs[next].focus();
    });
  }

  select(tab) {
    for (const t of this.#tabs) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute('aria-controls')).hidden = !on;
    }
  }
}

/** Fill a target <select> with "first" and the target systems. */
export function targetOptions(select, first) {
  select.replaceChildren(new Option(first, ''), ...TARGETS.map((t) => new Option(t.label, t.key)));
}

/** The paste form: text, count against the limit, pace, layout, target, send, cancel. */
export class PastePanel {
  #limit = () => null;

  /** onSend({text, delayMs, layout, target}); onCancel(); limit() → the selection's max_chars or null. */
  constructor({ settings, onSend, onCancel, limit }) {
    this.#limit = limit;
    const pace = $('paste-pace');
    for (const p of PACES) pace.add(new Option(p.label, p.key));
    pace.value = settings.get('pace');
    targetOptions($('paste-target'), "device's");
    $('paste-layout').value = settings.get('layout');
    $('paste-target').value = settings.get('target');
    pace.addEventListener('change', () => settings.set({ pace: pace.value }));
    $('paste-layout').addEventListener('change', () => settings.set({ layout: $('paste-layout').value.trim() }));
    $('paste-target').addEventListener('change', () => settings.set({ target: $('paste-target').value }));
    if (settings.get('layout') || settings.get('target') || settings.get('pace') !== 'fast') $('paste-options').open = true;
    $('paste-text').addEventListener('input', () => this.count());
    $('paste-send').addEventListener('click', () => {
      const p = PACES.find((x) => x.key === pace.value) ?? PACES[0];
      onSend({
        text: $('paste-text').value,
        delayMs: p.delayMs,
        layout: $('paste-layout').value.trim(),
        target: $('paste-target').value,
      });
    });
    $('paste-cancel').addEventListener('click', onCancel);
    this.count();
  }

  /** Update "1,234 characters (at most 65,536)". */
  count() {
    const n = [...$('paste-text').value].length;
    const max = this.#limit();
    const c = $('paste-count');
    c.textContent = n === 0 ? '' : `${plural(n, 'character')}${max ? ` (at most ${max.toLocaleString('en')})` : ''}`;
    c.classList.toggle('over', max != null && n > max);
  }

  /** A job is running (Cancel on) or not. */
  running(on) { $('paste-cancel').disabled = !on; }
}

/** Common keys at hand, the rest in one menu per system, and a free chord field. */
export class KeysPanel {
  /** onCombo({label, keys}) */
  constructor({ onCombo }) {
    const make = (c) => {
      const b = button(c.label, { title: `Send ${c.keys}` });
      b.addEventListener('click', () => onCombo(c));
      return b;
    };
    $('at-hand').append(...AT_HAND.map(make));
    for (const m of MENUS) {
      const d = el('details');
      const s = el('summary');
      s.append(icon('chevronDown'), m.name);
      const box = el('div', 'combos');
      box.setAttribute('role', 'group');
      box.setAttribute('aria-label', m.name);
      box.append(...m.combos.map(make));
      d.append(s, box);
      $('combo-menus').append(d);
    }
    $('chord-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const keys = $('chord').value.trim();
      if (keys) onCombo({ label: keys, keys });
    });
  }
}

/** The macro list and editor, and the macros of the selected devices. */
export class MacroPanel {
  #store;
  #onRun;
  #onRunDevice;
  #editing = null;

  constructor({ store, onRun, onRunDevice }) {
    this.#store = store;
    this.#onRun = onRun;
    this.#onRunDevice = onRunDevice;
    $('macro-new').addEventListener('click', () => this.edit(null));
    $('macro-cancel').addEventListener('click', () => this.#close());
    $('macro-form').addEventListener('submit', (e) => { e.preventDefault(); this.#save(); });
    this.render();
  }

  render() {
    const ul = $('macro-list');
    const macros = this.#store.list();
    ul.replaceChildren(...macros.map((m) => this.#item(m)));
    if (macros.length === 0) ul.append(el('li', 'muted', 'No macro yet. A macro is a named series of text, keys and pauses.'));
  }

  /** The agents' own macros (their configuration) the selection shares. */
  showDevice(names) {
    const ul = $('device-macro-list');
    ul.replaceChildren(...names.map((n) => {
      const b = button('Run', { icon: icon('play'), aria: `Run the device macro ${n}` });
      b.addEventListener('click', () => this.#onRunDevice(n));
      const li = el('li');
      li.append(el('span', 'mname', n), b);
      return li;
    }));
    if (names.length === 0) {
      ul.append(el('li', 'muted', 'The selected devices share no macro of their own (macro.NAME in agent.conf).'));
    }
  }

  #item(m) {
    const li = el('li');
    const btn = (label, aria, ic, fn) => {
      const b = button(label, { icon: icon(ic), aria: `${aria} ${m.name}` });
      b.addEventListener('click', fn);
      return b;
    };
    li.append(el('span', 'mname', m.name), el('span', 'msteps', plural(m.steps.length, 'step')),
      btn('Run', 'Run macro', 'play', () => this.#onRun(m)),
      btn('Edit', 'Edit macro', 'pencil', () => this.edit(m.id)),
      btn('Delete', 'Delete macro', 'trash', () => {
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
