// SPDX-License-Identifier: MIT
// device-dialog.js — one device in detail: what its status says, its
// layout and target (settable), and its activity.

import { $, ago, clock, el } from './dom.js';
import { targetOptions } from './actions.js';
import { renderEntries } from './log-view.js';
import { plural, targetLabel } from './protocol.js';

const dur = (s) => (s < 120 ? plural(Math.round(s), 'second') : s < 7200 ? plural(Math.round(s / 60), 'minute')
  : s < 172800 ? plural(Math.round(s / 3600), 'hour') : plural(Math.round(s / 86400), 'day'));

export class DeviceDialog {
  #dlg = $('device-dialog');
  #store;
  #log;
  #id = null;

  /** onSet({id, layout, target}): change the device's layout and/or target. */
  constructor({ store, log, onSet }) {
    this.#store = store;
    this.#log = log;
    targetOptions($('dd-target'), 'unchanged');
    this.#dlg.addEventListener('close', () => { this.#id = null; });
    $('dd-set').addEventListener('submit', (e) => {
      e.preventDefault();
      const layout = $('dd-layout').value.trim();
      const target = $('dd-target').value;
      const d = this.#store.get(this.#id);
      const change = {
        id: this.#id,
        layout: layout && layout !== d?.status?.layout ? layout : '',
        target: target && target !== d?.status?.target ? target : '',
      };
      $('dd-set-note').textContent = change.layout || change.target ? 'Sent; the device answers below.' : 'Nothing to change.';
      if (change.layout || change.target) onSet(change);
    });
  }

  get openId() { return this.#id; }

  open(id) {
    this.#id = id;
    $('dd-set-note').textContent = '';
    const s = this.#store.get(id)?.status;
    $('dd-layout').value = s?.layout ?? '';
    $('dd-target').value = '';
    this.refresh();
    if (!this.#dlg.open) this.#dlg.showModal();
  }

  /** Redraw from the store and log (call on changes while open). */
  refresh() {
    const id = this.#id;
    const d = id && this.#store.get(id);
    if (!d) return;
    $('dd-h').textContent = d.label;
    $('dd-facts').replaceChildren(...facts(d).flatMap(([k, v]) => [el('dt', '', k), el('dd', '', v)]));
    renderEntries($('dd-log'), this.#log.entries(id), {
      withDevice: false, label: (x) => x, empty: 'Nothing sent to this device yet.',
    });
  }
}

/** [term, value] pairs of what is known about d; nothing unknown is listed. */
function facts(d) {
  const s = d.status;
  const f = [['Device id', d.id]];
  if (s?.name) f.push(['Name', s.name]);
  if (s?.location) f.push(['Location', s.location]);
  let agent = d.online === true ? 'online' : 'offline';
  if (d.online !== true && d.offlineSince) agent += ` since ${clock(d.offlineSince, true)}`;
  else if (d.online !== true && d.lastSeen) agent += `, last seen ${ago(d.lastSeen)}`;
  if (s?.version) agent += ` · version ${s.version}`;
  f.push(['Agent', agent]);
  if (!s) return f;
  if (d.online === true && s.host !== 'unknown') {
    f.push(['Computer', s.host === 'connected' ? 'taking keystrokes' : 'not taking keystrokes (unplugged, asleep or a power-only cable)']);
  }
  if (d.online === true && s.ledsKnown) {
    const on = (b) => (b ? 'on' : 'off');
    f.push(['Keyboard lights', `Caps Lock ${on(s.leds.caps)}, Num Lock ${on(s.leds.num)}, Scroll Lock ${on(s.leds.scroll)}`]);
  }
  if (s.layout) f.push(['Layout', s.layout]);
  if (s.target) f.push(['Target', targetLabel(s.target)]);
  const groups = s.groups.filter((g) => g !== 'all');
  f.push(['Groups', groups.length ? groups.join(', ') : 'only all']);
  if (d.online === true) f.push(['Work', s.busy ? `typing${s.queue ? `, ${s.queue} waiting` : ''}` : s.queue ? `${s.queue} waiting` : 'idle']);
  if (d.online === true && s.uptimeS != null) f.push(['Running for', dur(s.uptimeS)]);
  const c = s.counters;
  if (Number.isFinite(c.chars)) f.push(['Since start', `${plural(c.chars, 'character')} typed, ${plural(c.ok ?? 0, 'command')} done, ${plural((c.errors ?? 0) + (c.rejected ?? 0), 'failure')}`]);
  return f;
}
