// SPDX-License-Identifier: MIT
// main.js — wires the modules into the page: login → link → fleet store →
// views; panels → safety check → dispatcher → link; results and progress →
// jobs → views. The only module with page-wide state.

import { Link } from './link.js';
import { FleetStore } from './fleet.js';
import { FleetView } from './fleet-view.js';
import { STATE_FILTERS, STATE_LABELS } from './filter.js';
import { Selection } from './selection.js';
import { LiveKeyboard } from './keyboard.js';
import { CommandLog } from './log.js';
import { Dispatcher } from './dispatch.js';
import { MacroStore, sharedMacros } from './macros.js';
import { Job, RateBook } from './jobs.js';
import { Settings, brokerUrl } from './settings.js';
import { checkLimits, explainFailure, loginRefusal, publishRefusal } from './errors.js';
import { question, review } from './safety.js';
import {
  Cmd, DEFAULT_LIMITS, IdMaker, PACES, Topics, commandKind, normalisePrefix, parseProgress, parseResult, plural,
} from './protocol.js';
import { $, button, el } from './dom.js';
import { fillIcons, icon } from './icons.js';
import { LinkBadge, LoginView } from './login.js';
import { Toast } from './toast.js';
import { ConfirmDialog } from './confirm.js';
import { JobView } from './job-view.js';
import { LogPanel } from './log-view.js';
import { KeysPanel, MacroPanel, PastePanel, Tabs } from './actions.js';
import { DeviceDialog } from './device-dialog.js';

const storage = (() => { try { return window.localStorage; } catch { return null; } })();
const KEEP_JOBS = 50;
const COMMON_LAYOUTS = ['us', 'gb', 'de', 'fr', 'es', 'it', 'de-ch', 'fr-ch', 'nordic', 'pl', 'cz', 'hu', 'tr', 'us-intl'];

class App {
  #settings = new Settings(storage);
  #topics = new Topics();
  #store = new FleetStore();
  #selection = new Selection();
  #log = new CommandLog();
  #ids = new IdMaker();
  #rates = new RateBook();
  #macros = new MacroStore(storage);
  #macroPanel;
  #badge = new LinkBadge();
  #toast = new Toast();
  #confirm = new ConfirmDialog();
  #jobView = new JobView();
  /** @type {Map<string, Job>} recent jobs by command id, oldest first */
  #jobs = new Map();
  /** device → id of the last job that went to it */
  #lastJob = new Map();
  #shown = null;        // the job in the job view
  #tick = 0;
  #armed = '';          // the selection (and its offline set) the user confirmed
  #who = '';
  #shownApp = false;
  #state = 'any';
  #link;
  #dispatch;
  #keyboard;
  #view;
  #login;
  #paste;
  #logPanel;
  #device;
  #groupsKey = '';
  #layoutsKey = '';

  constructor() {
    fillIcons();
    this.#link = new Link({
      onState: (s, e, code) => this.#linkState(s, e, code),
      onMessage: (t, p, r) => this.#message(t, p, r),
      onDenied: (t, code) => this.#denied(t, code),
    });
    this.#dispatch = new Dispatcher({
      link: this.#link, topics: () => this.#topics, selection: this.#selection, log: this.#log,
    });
    this.#view = new FleetView({
      store: this.#store,
      selection: this.#selection,
      list: $('device-list'),
      onOpen: (id) => this.#device.open(id),
      onRendered: (info) => this.#rendered(info),
      jobState: (id) => this.#jobState(id),
    });
    this.#login = new LoginView({ settings: this.#settings, onSubmit: (c) => this.#connect(c) });
    this.#logPanel = new LogPanel({ log: this.#log, label: (id) => this.#label(id) });
    this.#logPanel.onChange((d) => { if (d === this.#device.openId) this.#device.refresh(); });
    this.#device = new DeviceDialog({ store: this.#store, log: this.#log, onSet: (c) => this.#setDevice(c) });
    this.#paste = new PastePanel({
      settings: this.#settings,
      onSend: (p) => this.#sendPaste(p),
      onCancel: () => this.#cancel(),
      limit: () => this.#limitsOf(this.#selection.ids).maxChars,
    });
    new Tabs(document.querySelector('.tabs'));
    new KeysPanel({ onCombo: (c) => this.#send(Cmd.keys(this.#ids.next(), c.keys), { label: c.label }) });
    this.#macroPanel = new MacroPanel({
      store: this.#macros, onRun: (m) => this.#runMacro(m), onRunDevice: (n) => this.#runDeviceMacro(n),
    });
    this.#keyboard = new LiveKeyboard({
      send: (cmd) => this.#sendLive(cmd),
      onChange: (held) => { $('held').textContent = held.length ? `held: ${held.join(' ')}` : ''; },
      onLeave: () => $('fullscreen').focus(),
    });
    this.#wire();
  }

  #wire() {
    this.#keyboard.attach($('capture'));
    this.#selection.onChange(() => this.#selectionChanged());
    $('search').addEventListener('input', () => this.#filter());
    this.#chips();
    $('sel-shown').addEventListener('click', () => this.#selection.add(this.#view.shownIds()));
    $('sel-none').addEventListener('click', () => { this.#selection.clear(); $('group-select').value = ''; });
    $('group-select').addEventListener('change', (e) => {
      const g = e.target.value;
      if (g) this.#selection.selectGroup(g, this.#store.membersOf(g));
    });
    $('logout').addEventListener('click', () => this.#logout());
    $('release').addEventListener('click', () => {
      this.#keyboard.releaseAll('button', true);
      this.#toast.say('Released all keys.');
    });
    $('fullscreen').addEventListener('click', async () => {
      try { this.#toast.say(await this.#keyboard.lockInFullscreen($('capture'))); } catch (e) {
        this.#toast.say(`Full screen refused: ${e.message}`);
      }
    });
    document.addEventListener('fullscreenchange', () => {
      if (!document.fullscreenElement) this.#keyboard.unlock();
    });
    this.#wirePhoneTyping();
    this.#selectionChanged();
  }

  /** "Type as you go": the field's growth is typed, shrinking is Backspace. */
  #wirePhoneTyping() {
    const input = $('live-text');
    let prev = '';
    input.addEventListener('input', async () => {
      if (!(await this.#mayLive())) { input.value = prev; return; }
      const now = input.value;
      let common = 0;
      while (common < prev.length && common < now.length && prev[common] === now[common]) common += 1;
      const removed = prev.length - common;
      const target = this.#liveTarget();
      if (removed > 0) this.#quiet(Cmd.keys(this.#ids.next(), Array(removed).fill('backspace').join(' ')), target);
      if (now.length > common) this.#quiet(Cmd.text(this.#ids.next(), now.slice(common)), target);
      prev = now;
    });
    input.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter') return;
      e.preventDefault();
      this.#quiet(Cmd.keys(this.#ids.next(), 'enter'), this.#liveTarget());
      input.value = '';
      prev = '';
    });
  }

  // ---- link -------------------------------------------------------------

  #connect({ username, password, url, prefix }) {
    const p = normalisePrefix(prefix);
    if (p === null) { this.#login.error('The topic prefix cannot contain + or #.'); return; }
    const u = brokerUrl(url, window.location);
    if (!u) { this.#login.error('Give the broker URL (ws://host:9001 or wss://host:9443).'); return; }
    if (!/^wss?:\/\//i.test(u)) { this.#login.error('The broker URL starts with ws:// or wss://.'); return; }
    this.#settings.set({ username, url, prefix: p });
    if (p !== this.#topics.prefix) this.#store.clear();
    this.#topics = new Topics(p);
    this.#who = username;
    this.#login.error('');
    this.#link.connect({ url: u, username, password, subscriptions: this.#topics.subscriptions(),
      rollcall: this.#topics.rollcall() });
  }

  #logout() {
    this.#keyboard.releaseAll('log out');
    this.#link.disconnect();
    this.#store.clear();
    this.#selection.clear();
    this.#view.schedule();
    this.#shownApp = false;
    $('login-pass').value = '';
    this.#login.error('');
    this.#login.show(true);
  }

  #linkState(state, error, code) {
    this.#badge.show(state, error, this.#who);
    this.#view.setStale(state !== 'connected');
    this.#keyboard.enabled = state === 'connected';
    this.#banner(state === 'reconnecting'
      ? 'The link to the broker is lost; reconnecting by itself. Device states are the last known, and nothing is sent until the link is back.'
      : '');
    if (state === 'connected') {
      window.keymimeDebug = { ...window.keymimeDebug, connectedAt: performance.now() };
      if (!this.#shownApp) { this.#shownApp = true; this.#login.error(''); this.#login.show(false); }
      this.#keyboard.linkBack();
      return;
    }
    this.#keyboard.linkLost();
    const why = code != null ? loginRefusal(code) ?? `The broker refused the login (reason code ${code}).` : error;
    if (!this.#shownApp) {
      if (state === 'offline' && why) this.#login.error(why);
      else if (state === 'connecting' && error) this.#login.error(`Cannot reach the broker yet (${error}); retrying…`);
    } else if (state === 'offline' && why) {
      // refused after having been in: back to the login form with the reason
      this.#shownApp = false;
      this.#login.show(true);
      this.#login.error(why);
    }
  }

  #banner(text) {
    $('banner').textContent = text;
    $('banner').hidden = !text;
  }

  #denied(topic, code) {
    const text = publishRefusal(code, topic, this.#who);
    this.#toast.say(text, { kind: 'bad' });
    const id = this.#topics.parse(topic.replace(/\/cmd$/, '/result'))?.id;
    for (const job of this.#jobs.values()) {
      const devices = id ? [id] : job.group && topic === this.#topics.groupCmd(job.group) ? job.open() : [];
      for (const d of devices) {
        if (job.finish(d, { ok: false, error: 'denied', detail: text, chars: null })) this.#jobChanged(job, [d]);
      }
    }
  }

  #message(topic, payload, retained) {
    const t = this.#topics.parse(topic);
    if (!t) return;
    if (t.kind === 'result') { this.#result(t.id, payload); return; }
    if (t.kind === 'progress') { this.#progress(t.id, payload); return; }
    const before = this.#store.get(t.id);
    const wasOnline = before?.online;
    if (!this.#store.apply(t.id, t.kind, payload, retained)) return;
    const d = this.#store.get(t.id);
    if (d && wasOnline === true && d.online === false) this.#forOpenJobs(t.id, (job) => job.lost(t.id));
    if (d?.busy) this.#forOpenJobs(t.id, (job) => job.busy(t.id));
    this.#view.schedule();
    if (t.id === this.#device.openId) this.#device.refresh();
    if (t.kind === 'status') this.#showDeviceMacros();
  }

  /** The agents' own macros that every selected device has. */
  #showDeviceMacros() {
    const t = this.#liveTarget();
    this.#macroPanel?.showDevice(sharedMacros(t.ids.map((id) => this.#store.get(id)?.status ?? null)));
  }

  #runDeviceMacro(name) {
    this.#send(Cmd.macro(this.#ids.next(), name), { label: `device macro "${name}"`, what: `run the device macro "${name}"` });
  }

  #forOpenJobs(device, fn) {
    for (const job of this.#jobs.values()) {
      if (!job.finished && fn(job)) this.#jobChanged(job, [device]);
    }
  }

  #progress(device, payload) {
    const p = parseProgress(payload);
    if (!p || (p.device && p.device !== device)) return;
    this.#store.seen(device);
    const job = this.#jobs.get(p.id);
    if (job && job.progress(device, p)) this.#jobChanged(job, [device]);
  }

  #result(topicDevice, payload) {
    const r = parseResult(payload);
    // every result names its device; one that names another is not its own
    if (!r || (r.device && r.device !== topicDevice)) return;
    const device = topicDevice;
    this.#store.seen(device);
    const entry = this.#log.result(device, r);
    const job = r.id ? this.#jobs.get(r.id) : null;
    if (job && job.finish(device, r)) {
      if (r.ok && job.chars) this.#rates.learn(device, job.delayMs, r.chars, r.ms);
      this.#jobChanged(job, [device]);
      if (!r.ok && job !== this.#shown && r.error !== 'cancelled') {
        this.#toast.say(`${this.#label(device)}: ${job.label} failed — ${explainFailure(r)}`, { kind: 'bad' });
      }
    } else if (entry && !r.ok && r.error !== 'cancelled') {
      this.#toast.say(`${this.#label(device)}: ${entry.text} — ${entry.outcome}`, { kind: 'bad' });
    }
  }

  // ---- sending ----------------------------------------------------------

  #label(id) { return this.#store.get(id)?.label ?? id; }

  /** The strictest limits among these devices (defaults for unknown ones). */
  #limitsOf(ids) {
    const out = { ...DEFAULT_LIMITS };
    for (const id of ids) {
      const l = this.#store.get(id)?.status?.limits;
      if (!l) continue;
      for (const k of Object.keys(out)) out[k] = Math.min(out[k], l[k]);
    }
    return out;
  }

  /**
   * Ask before sending when the selection is large, a whole group, or has
   * offline devices. Resolves to the target to send to, or null.
   */
  async #approve(what) {
    const sel = this.#selection.target();
    const blocked = this.#dispatch.blocked(sel);
    if (blocked) { this.#toast.say(`Not sent: ${blocked}.`); return null; }
    const r = review(sel, (id) => this.#store.get(id));
    const key = `${this.#selection.key}|${r.offline.join(',')}`;
    // a group goes to its topic; answers are expected from its online members
    const target = { group: sel.group, ids: r.online.length || r.group ? r.online : sel.ids };
    if (this.#armed === key) return target;
    const q = question(r, what, (id) => this.#label(id));
    if (!q) return target;
    this.#keyboard.releaseAll('dialog');
    const yes = await this.#confirm.ask(q);
    if (!yes || !q.send) return null;
    this.#armed = key;
    this.#selectionChanged();
    return target;
  }

  /**
   * Send a tracked command: limits, safety question, publish, job.
   * Returns the job, or null when nothing was sent.
   */
  async #send(cmd, { label, chars = 0, delayMs = null, what = null }) {
    const sel = this.#selection.target();
    const over = checkLimits(cmd, sel.ids.map((id) => ({ label: this.#label(id), limits: this.#limitsOf([id]) })));
    if (over) { this.#toast.say(`Not sent. ${over}`, { kind: 'bad' }); return null; }
    const target = await this.#approve(what ?? `get ${label}`);
    if (!target) return null;
    const r = this.#dispatch.send(cmd, { target });
    if (!r.ok) { this.#toast.say(`Not sent: ${r.reason}.`); return null; }
    const job = new Job({
      id: cmd.id, kind: commandKind(cmd), label, devices: r.devices, chars, delayMs,
      startedAt: performance.now(), rates: this.#rates, group: target.group,
    });
    this.#addJob(job);
    if (!chars) this.#toast.say(`Sent ${label} to ${this.#describe(target)}.`);
    return job;
  }

  #describe(t) {
    if (t.group) return t.group === 'all' ? 'every device' : `group ${t.group}`;
    return t.ids.length === 1 ? this.#label(t.ids[0]) : plural(t.ids.length, 'device');
  }

  #addJob(job) {
    this.#jobs.set(job.id, job);
    while (this.#jobs.size > KEEP_JOBS) this.#jobs.delete(this.#jobs.keys().next().value);
    for (const d of job.devices.keys()) this.#lastJob.set(d, job.id);
    this.#shown = job;
    this.#jobChanged(job, [...job.devices.keys()]);
    // on a phone the outcome is above the button that was pressed: show it
    if (window.matchMedia?.('(max-width: 900px)').matches) $('job').scrollIntoView({ block: 'nearest' });
  }

  #jobChanged(job, devices) {
    for (const d of devices) if (!this.#lastJob.has(d) || job.id === this.#lastJob.get(d)) this.#lastJob.set(d, job.id);
    this.#view.touch(devices);
    if (job === this.#shown) this.#showJob();
  }

  /** Redraw the job view ~5 times a second while the shown job runs. */
  #showJob() {
    clearTimeout(this.#tick);
    const job = this.#shown;
    const now = performance.now();
    if (job && job.expire(now)) this.#view.touch(job.devices.keys());
    this.#jobView.show(job, now, (id) => this.#label(id));
    this.#paste.running(!!job && !job.finished && job.chars > 0);
    if (job && !job.finished) this.#tick = setTimeout(() => this.#showJob(), 200);
  }

  /** The device's part in the last job sent to it, for its row. */
  #jobState(id) {
    const job = this.#jobs.get(this.#lastJob.get(id));
    const part = job?.devices.get(id);
    if (!part) return null;
    const head = job.chars ? '' : `${job.label}: `;
    return [part.state, `${head}${job.describeShort(id)}`, `${job.label}: ${job.describe(id)}`];
  }

  /** Live keys and "type as you go" send quietly, after the same safety question once. */
  async #mayLive() {
    return !!(await this.#approve('get every key you type'));
  }

  #liveTarget() {
    const sel = this.#selection.target();
    const r = review(sel, (id) => this.#store.get(id));
    return { group: sel.group, ids: r.online.length || r.group ? r.online : sel.ids };
  }

  #sendLive(cmd) {
    const sel = this.#selection.target();
    const r = review(sel, (id) => this.#store.get(id));
    const key = `${this.#selection.key}|${r.offline.join(',')}`;
    if (this.#armed !== key && question(r, 'x')) {
      if (!('release_all' in cmd) && !this.#confirm.open) this.#mayLive();
      return false;
    }
    const out = this.#dispatch.send(cmd, { log: 'live', target: this.#liveTarget() });
    if (!out.ok && !('release_all' in cmd)) this.#toast.say(`Key not sent: ${out.reason}.`);
    return out.ok;
  }

  #quiet(cmd, target) {
    const r = this.#dispatch.send(cmd, { target });
    if (!r.ok) this.#toast.say(`Not sent: ${r.reason}.`);
  }

  #pace() {
    return PACES.find((p) => p.key === this.#settings.get('pace')) ?? PACES[0];
  }

  #runMacro(m) {
    const cmd = Cmd.seq(this.#ids.next(), m.steps, {
      delayMs: this.#pace().delayMs, layout: this.#settings.get('layout'), target: this.#settings.get('target'),
    });
    const chars = m.steps.reduce((n, s) => n + ('text' in s ? [...s.text].length : 0), 0);
    this.#send(cmd, { label: `macro "${m.name}"`, chars, delayMs: this.#pace().delayMs, what: `run the macro "${m.name}"` });
  }

  #sendPaste({ text, delayMs, layout, target }) {
    if (!text) { this.#toast.say('Nothing to type: the text box is empty.'); $('paste-text').focus(); return; }
    const chars = [...text].length;
    const cmd = Cmd.text(this.#ids.next(), text, { delayMs, layout, target });
    this.#send(cmd, { label: plural(chars, 'character'), chars, delayMs, what: `type ${plural(chars, 'character')}` });
  }

  #cancel() {
    const job = this.#shown;
    if (!job || job.finished) return;
    const open = job.open();
    const r = this.#dispatch.send(Cmd.cancel(), { target: { group: null, ids: open } });
    if (!r.ok) { this.#toast.say(`Not cancelled: ${r.reason}.`); return; }
    job.cancel();
    // An agent may drop the cancelled text without a result: do not wait long.
    setTimeout(() => {
      const left = job.open();
      for (const d of left) job.finish(d, { ok: false, error: 'cancelled', detail: 'cancelled', chars: null });
      if (left.length) this.#jobChanged(job, left);
    }, 3000);
    this.#jobChanged(job, open);
  }

  #setDevice({ id, layout, target }) {
    const to = { group: null, ids: [id] };
    // both at once: one set_target with the layout beside it, so a layout
    // only the new target has is not refused on the old one first
    const cmd = target ? Cmd.setTarget(this.#ids.next(), target, layout) : Cmd.setLayout(this.#ids.next(), layout);
    const r = this.#dispatch.send(cmd, { target: to });
    if (!r.ok) this.#toast.say(`Not sent: ${r.reason}.`);
  }

  // ---- views ------------------------------------------------------------

  #filter() {
    this.#view.setFilter($('search').value, this.#state);
  }

  #chips() {
    const box = $('state-chips');
    for (const [key, text] of STATE_LABELS) {
      const b = button('', { cls: 'chip' });
      b.dataset.state = key;
      b.setAttribute('aria-pressed', String(key === 'any'));
      b.append(el('span', 'chip-label', text), ' ', el('span', 'n', '0'));
      b.addEventListener('click', () => this.#showState(key));
      box.append(b);
    }
  }

  #showState(key) {
    this.#state = STATE_FILTERS[key] ? key : 'any';
    for (const b of $('state-chips').children) b.setAttribute('aria-pressed', String(b.dataset.state === this.#state));
    this.#filter();
  }

  #selectionChanged() {
    const s = this.#selection;
    const t = s.target();
    const r = review(t, (id) => this.#store.get(id));
    const label = (id) => this.#label(id);
    $('send-target').textContent = t.group || t.ids.length
      ? `Sending to ${s.describe(label)}` : 'No device selected';
    $('send-note').textContent = t.group || t.ids.length ? '' : '— tick devices in the list to send to them.';
    const warn = $('send-warn');
    warn.replaceChildren();
    if (r.offline.length && (t.group || t.ids.length)) {
      const b = button(`${r.offline.length} offline`, { cls: 'chip bad', icon: icon('wifiOff'), title: 'Show the offline devices' });
      b.addEventListener('click', () => this.#showState('offline'));
      warn.append(b);
    }
    if (r.busy.length) {
      const b = button(`${r.busy.length} busy`, { cls: 'chip warn', title: 'Show the busy devices' });
      b.addEventListener('click', () => this.#showState('busy'));
      warn.append(b);
    }
    $('send-bar').toggleAttribute('data-armed', !!(t.group || t.ids.length));
    $('sel-none').hidden = !(t.group || t.ids.length);
    if (!s.group) $('group-select').value = '';
    $('capture').setAttribute('aria-label',
      `Live keyboard: keys pressed here go to ${s.describe(label)}. Ctrl+] leaves.`);
    this.#paste.count();
    this.#showDeviceMacros();
  }

  #rendered({ shown, total, ms }) {
    const c = this.#store.counts();
    $('fleet-count').textContent = total ? (shown === total ? plural(total, 'device') : `${shown} of ${total} shown`) : '';
    $('fleet-empty').hidden = total > 0;
    for (const b of $('state-chips').children) {
      b.querySelector('.n').textContent = String(c[b.dataset.state] ?? 0);
      b.hidden = b.dataset.state !== 'any' && b.dataset.state !== this.#state && !c[b.dataset.state];
    }
    $('state-chips').hidden = total === 0;
    this.#groups();
    this.#selectionChanged();
    const dbg = window.keymimeDebug ?? {};
    const at = performance.now();
    // totalAt: when the number of listed devices last changed
    const totalAt = total !== dbg.total ? at : dbg.totalAt;
    window.keymimeDebug = { ...dbg, shown, total, renderMs: ms, at, totalAt, renders: (dbg.renders ?? 0) + 1 };
  }

  #groups() {
    const groups = this.#store.groups();
    const key = groups.join('\n');
    if (key !== this.#groupsKey) {
      this.#groupsKey = key;
      const sel = $('group-select');
      const was = sel.value;
      sel.replaceChildren(new Option('choose…', ''), ...groups.map((g) => new Option(g === 'all' ? 'all devices' : g, g)));
      sel.value = groups.includes(was) ? was : '';
    }
    const layouts = new Set(COMMON_LAYOUTS);
    for (const id of this.#store.sortedIds()) {
      const l = this.#store.get(id).status?.layout;
      if (l) layouts.add(l);
    }
    const lk = [...layouts].join(',');
    if (lk !== this.#layoutsKey) {
      this.#layoutsKey = lk;
      $('layout-names').replaceChildren(...[...layouts].sort().map((l) => new Option(l)));
    }
  }
}

new App();
