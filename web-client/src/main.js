// SPDX-License-Identifier: MIT
// main.js — wires the modules into the page: login → link → fleet store →
// views; panels → dispatcher → link. The only module with page-wide state.

import { Link } from './link.js';
import { FleetStore } from './fleet.js';
import { FleetView } from './fleet-view.js';
import { Selection } from './selection.js';
import { LiveKeyboard } from './keyboard.js';
import { CommandLog } from './log.js';
import { Dispatcher } from './dispatch.js';
import { MacroStore } from './macros.js';
import { PasteJob, RateBook } from './paste.js';
import { Settings, brokerUrl } from './settings.js';
import {
  Cmd, IdMaker, Topics, normalisePrefix, parseResult, PACES,
} from './protocol.js';
import {
  $, LinkBadge, LoginView, LogPanel, MacroPanel, PastePanel, Toast, buildCombos,
} from './ui.js';

const storage = (() => { try { return window.localStorage; } catch { return null; } })();

class App {
  #settings = new Settings(storage);
  #topics = new Topics();
  #store = new FleetStore();
  #selection = new Selection();
  #log = new CommandLog();
  #ids = new IdMaker();
  #rates = new RateBook();
  #macros = new MacroStore(storage);
  #badge = new LinkBadge();
  #toast = new Toast();
  #job = null;
  #jobTimer = 0;
  #who = '';
  #shownApp = false;
  #link;
  #dispatch;
  #keyboard;
  #view;
  #login;
  #paste;
  #logPanel;
  #groupsKey = '';

  constructor() {
    this.#link = new Link({
      onState: (s, e) => this.#linkState(s, e),
      onMessage: (t, p) => this.#message(t, p),
    });
    this.#dispatch = new Dispatcher({
      link: this.#link, topics: () => this.#topics, selection: this.#selection, log: this.#log,
    });
    this.#view = new FleetView({
      store: this.#store,
      selection: this.#selection,
      list: $('device-list'),
      onOpen: (id) => { this.#logPanel.open(id); $('log-device').focus(); },
      onRendered: (info) => this.#rendered(info),
    });
    this.#login = new LoginView({ settings: this.#settings, onSubmit: (c) => this.#connect(c) });
    this.#logPanel = new LogPanel({ log: this.#log });
    this.#paste = new PastePanel({
      settings: this.#settings,
      onSend: (p) => this.#sendPaste(p),
      onCancel: () => this.#cancelPaste(),
    });
    new MacroPanel({ store: this.#macros, onRun: (m) => this.#runMacro(m) });
    buildCombos((c) => this.#sendTracked(Cmd.keys(this.#ids.next(), c.keys), c.label));
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
    const filter = () => this.#view.setFilter($('search').value, $('state-filter').value);
    $('search').addEventListener('input', filter);
    $('state-filter').addEventListener('change', filter);
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
    input.addEventListener('input', () => {
      const now = input.value;
      let common = 0;
      while (common < prev.length && common < now.length && prev[common] === now[common]) common += 1;
      const removed = prev.length - common;
      if (removed > 0) this.#sendTracked(Cmd.keys(this.#ids.next(), Array(removed).fill('backspace').join(' ')), null);
      if (now.length > common) this.#sendTracked(Cmd.text(this.#ids.next(), now.slice(common)), null);
      prev = now;
    });
    input.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter') return;
      e.preventDefault();
      this.#sendTracked(Cmd.keys(this.#ids.next(), 'enter'), null);
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
    this.#link.connect({ url: u, username, password, subscriptions: this.#topics.subscriptions() });
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

  #linkState(state, error) {
    this.#badge.show(state, error, this.#who);
    this.#view.setStale(state !== 'connected');
    this.#keyboard.enabled = state === 'connected';
    if (state === 'connected') {
      if (!this.#shownApp) { this.#shownApp = true; this.#login.error(''); this.#login.show(false); }
      this.#keyboard.linkBack();
      return;
    }
    this.#keyboard.linkLost();
    if (!this.#shownApp) {
      this.#login.error(state === 'offline' ? error : (error || 'connecting…'));
    } else if (state === 'offline' && error) {
      // refused after having been in: back to the login form with the reason
      this.#shownApp = false;
      this.#login.show(true);
      this.#login.error(error);
    }
  }

  #message(topic, payload) {
    const t = this.#topics.parse(topic);
    if (!t) return;
    if (t.kind === 'result') { this.#result(t.id, payload); return; }
    if (this.#store.apply(t.id, t.kind, payload)) {
      const d = this.#store.get(t.id);
      if (this.#job && d?.status?.progress) this.#job.progress(t.id, d.status.progress);
      this.#view.schedule();
    }
  }

  #result(device, payload) {
    const r = parseResult(payload);
    if (!r) return;
    const entry = this.#log.result(device, r);
    const job = this.#job;
    if (job && r.id === job.id && job.finish(device, r)) {
      if (r.ok) this.#rates.learn(device, job.delayMs, r.chars, r.ms);
      this.#paste.show(job, performance.now());
    } else if (entry && !r.ok) {
      this.#toast.say(`${device}: ${entry.text} — ${entry.outcome}`, 6000);
    }
  }

  // ---- sending ----------------------------------------------------------

  #sendLive(cmd) {
    const r = this.#dispatch.send(cmd, { log: 'live' });
    if (!r.ok && !('release_all' in cmd)) this.#toast.say(`Key not sent: ${r.reason}.`);
    return r.ok;
  }

  /** Send a command with an id; say what happened. label null: quietly. */
  #sendTracked(cmd, label) {
    const r = this.#dispatch.send(cmd);
    if (!r.ok) { this.#toast.say(`Not sent: ${r.reason}.`); return r; }
    if (label) this.#toast.say(`Sent ${label} to ${this.#selection.describe()}.`);
    return r;
  }

  #pace() {
    return PACES.find((p) => p.key === this.#settings.get('pace')) ?? PACES[0];
  }

  #runMacro(m) {
    const cmd = Cmd.seq(this.#ids.next(), m.steps,
      { delayMs: this.#pace().delayMs, layout: this.#settings.get('layout') });
    this.#sendTracked(cmd, `macro "${m.name}"`);
  }

  #sendPaste({ text, delayMs, layout }) {
    if (this.#job && !this.#job.finished) {
      this.#toast.say('Still typing the previous text: wait or cancel it first.');
      return;
    }
    const id = this.#ids.next();
    const r = this.#sendTracked(Cmd.text(id, text, { delayMs, layout }), null);
    if (!r.ok) { this.#paste.say(`Not sent: ${r.reason}.`); return; }
    this.#job = new PasteJob({
      id, devices: r.devices, chars: [...text].length, delayMs,
      startedAt: performance.now(), rates: this.#rates,
    });
    this.#tickJob();
  }

  /** Redraw the bar ~10 times a second until the job is finished. */
  #tickJob() {
    clearTimeout(this.#jobTimer);
    const job = this.#job;
    if (!job) return;
    const now = performance.now();
    this.#expire(job, now);
    this.#paste.show(job, now);
    if (!job.finished) this.#jobTimer = setTimeout(() => this.#tickJob(), 100);
  }

  /**
   * A device that never answers (offline, command lost) must not keep the
   * bar running for ever: give up after 3× its estimate + 10 s.
   */
  #expire(job, now) {
    for (const [d, s] of job.devices) {
      if (s.state === 'pending' && now - job.startedAt > s.estimateMs * 3 + 10000) {
        job.finish(d, { ok: false, error: 'timeout', detail: 'no result (device offline?)' });
      }
    }
  }

  #cancelPaste() {
    const job = this.#job;
    if (!job || job.finished) return;
    const pending = [...job.devices].filter(([, s]) => s.state === 'pending').map(([d]) => d);
    const r = this.#dispatch.sendToDevices(pending, Cmd.cancel());
    if (!r.ok) { this.#toast.say(`Not cancelled: ${r.reason}.`); return; }
    job.cancel();
    // An agent may drop the cancelled text without a result: do not wait long.
    setTimeout(() => {
      for (const d of pending) job.finish(d, { ok: false, error: 'cancelled', detail: 'cancelled' });
      this.#tickJob();
    }, 3000);
    this.#tickJob();
  }

  // ---- views ------------------------------------------------------------

  #selectionChanged() {
    const s = this.#selection;
    $('selection-text').textContent = `Sending to: ${s.describe()}`;
    if (!s.group) $('group-select').value = '';
    $('capture').setAttribute('aria-label',
      `Live keyboard: keys pressed here go to ${s.describe()}. Ctrl+] leaves.`);
  }

  #rendered({ shown, total, ms }) {
    const c = this.#store.counts();
    $('fleet-count').textContent = total
      ? `${shown === total ? total : `${shown} of ${total}`} · ${c.online} online${c.busy ? ` · ${c.busy} busy` : ''}`
      : '';
    $('fleet-empty').hidden = total > 0;
    const groups = this.#store.groups();
    const key = groups.join('\n');
    if (key !== this.#groupsKey) {
      this.#groupsKey = key;
      const sel = $('group-select');
      const was = sel.value;
      sel.replaceChildren(new Option('—', ''), ...groups.map((g) => new Option(g === 'all' ? 'all devices' : g, g)));
      sel.value = groups.includes(was) ? was : '';
    }
    window.keymimeDebug = { shown, total, renderMs: ms, renders: (window.keymimeDebug?.renders ?? 0) + 1 };
  }
}

new App();
