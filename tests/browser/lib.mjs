// SPDX-License-Identifier: MIT
// lib.mjs — what the browser tests share: a real mosquitto on free loopback
// ports (plain MQTT + WebSockets serving web-client/dist), real agents with
// their HID output in regular files, Debian's chromium with an empty
// profile, and a decoder for 8-byte HID boot keyboard reports.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, readdirSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import mqtt from 'mqtt';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '../..');
export const WEB = join(REPO, 'web-client');
export const CHROMIUM = process.env.KEYMIME_CHROMIUM || '/usr/bin/chromium';
export const MOSQUITTO = process.env.KEYMIME_MOSQUITTO || '/usr/sbin/mosquitto';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on 127.0.0.1 (closed again before returning). */
export function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
  });
}

/** Resolve when host:port accepts a TCP connection, or throw after ms. */
export async function waitPort(port, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise((res) => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => { c.destroy(); res(true); });
      c.once('error', () => res(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`port ${port} did not open within ${ms} ms`);
    await sleep(50);
  }
}

/** Poll fn() until it returns a truthy value; throw what it last said. */
export async function until(fn, ms = 10000, what = 'condition') {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** Build web-client/dist (needs `npm ci` in web-client). */
export function buildDashboard() {
  execFileSync(process.execPath, [join(WEB, 'build.mjs')], { cwd: WEB, stdio: 'inherit' });
  if (!existsSync(join(WEB, 'dist/index.html'))) throw new Error('web-client build wrote no dist/index.html');
}

/**
 * A mosquitto with password auth (no anonymous access), a plain MQTT
 * listener and a WebSockets listener whose http_dir is web-client/dist.
 * Users: admin (the page and the test) and one per agent, all with the
 * password returned. stop() and restart() keep the same ports.
 */
export class Broker {
  constructor(dir) { this.dir = dir; this.proc = null; this.log = ''; }

  /**
   * acl: lines of a mosquitto acl_file (e.g. a read-only user); without it
   * every user may read and write everything.
   */
  async start({ users = ['admin'], password = 'pw-' + Math.random().toString(36).slice(2), maxQueued = 10000, acl = null } = {}) {
    this.mqttPort = await freePort();
    this.wsPort = await freePort();
    this.password = password;
    this.pwfile = join(this.dir, 'passwd');
    users.forEach((u, i) => {
      execFileSync('mosquitto_passwd', ['-b', ...(i === 0 ? ['-c'] : []), this.pwfile, u, password]);
    });
    await chmod(this.pwfile, 0o600);
    if (acl) {
      this.aclfile = join(this.dir, 'acl');
      await writeFile(this.aclfile, `${acl.join('\n')}\n`, { mode: 0o600 });
    }
    this.conf = join(this.dir, 'mosquitto.conf');
    await writeFile(this.conf, [
      'per_listener_settings false',
      'allow_anonymous false',
      `password_file ${this.pwfile}`,
      ...(acl ? [`acl_file ${this.aclfile}`] : []),
      'persistence false',
      'set_tcp_nodelay true',
      // a SUBSCRIBE's retained matches are queued at once; past this many
      // mosquitto drops them (default 1000: a 1000-device fleet loses rows)
      `max_queued_messages ${maxQueued}`,
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      // as root mosquitto drops to user "mosquitto", which cannot read a 0600 file of ours
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      `listener ${this.mqttPort} 127.0.0.1`,
      `listener ${this.wsPort} 127.0.0.1`,
      'protocol websockets',
      `http_dir ${join(WEB, 'dist')}`,
      '',
    ].join('\n'));
    await this.#spawn();
    return this;
  }

  async #spawn() {
    this.proc = spawn(MOSQUITTO, ['-c', this.conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc.stderr.on('data', (d) => { this.log += d; });
    await waitPort(this.mqttPort);
    await waitPort(this.wsPort);
  }

  get url() { return `http://127.0.0.1:${this.wsPort}/`; }

  async stop() {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await gone;
  }

  async restart() { await this.stop(); await this.#spawn(); }

  /** A node MQTT client logged in as admin, connected. */
  async client() {
    const c = mqtt.connect(`mqtt://127.0.0.1:${this.mqttPort}`, {
      username: 'admin', password: this.password, reconnectPeriod: 0,
    });
    await new Promise((res, rej) => { c.once('connect', res); c.once('error', rej); });
    return c;
  }
}

/** Where keymime-agent is: $KEYMIME_AGENT, $KEYMIME_BUILD_DIR/agent, or the newest build dir of the repo. */
export function findAgent() {
  if (process.env.KEYMIME_AGENT) return process.env.KEYMIME_AGENT;
  if (process.env.KEYMIME_BUILD_DIR) return join(process.env.KEYMIME_BUILD_DIR, 'agent/keymime-agent');
  const dirs = readdirSync(REPO).filter((d) => d.startsWith('build'))
    .map((d) => join(REPO, d, 'agent/keymime-agent')).filter((p) => existsSync(p));
  dirs.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return dirs[0] ?? null;
}

/**
 * One real agent process; its keyboard reports go to a regular file.
 * reports(from) reads them as an array of 8-byte hex strings.
 */
export class Agent {
  /** extra: more command-line options, e.g. ['--name', 'Reception PC']. */
  constructor({ bin, broker, id, groups, dir, extra = [] }) {
    Object.assign(this, { bin, broker, id, groups, dir, extra });
    this.hid = join(dir, `${id}.hid`);
    this.log = '';
  }

  async start() {
    await writeFile(this.hid, '');
    this.pwfile = join(this.dir, `${this.id}.pass`);
    await writeFile(this.pwfile, this.broker.password, { mode: 0o600 });
    await chmod(this.pwfile, 0o600);
    this.proc = spawn(this.bin, [
      '--broker', `tcp://127.0.0.1:${this.broker.mqttPort}`,
      '--device-id', this.id,
      '--hid-keyboard', this.hid,
      '--username', this.id,
      '--password-file', this.pwfile,
      '--groups', this.groups.join(','),
      ...this.extra,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout.on('data', (d) => { this.log += d; });
    this.proc.stderr.on('data', (d) => { this.log += d; });
    return this;
  }

  /** kill -9: no clean offline, the broker's will says offline. */
  kill9() { this.proc?.kill('SIGKILL'); }

  async stop() {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await Promise.race([gone, sleep(3000).then(() => p.kill('SIGKILL'))]);
  }

  /** Byte length of the report file now. */
  size() { return statSync(this.hid).size; }

  /** Reports written since byte offset `from`, as "00 00 04 00 00 00 00 00". */
  reports(from = 0) {
    const b = readFileSync(this.hid).subarray(from);
    const out = [];
    for (let i = 0; i + 8 <= b.length; i += 8) {
      out.push([...b.subarray(i, i + 8)].map((x) => x.toString(16).padStart(2, '0')).join(' '));
    }
    return out;
  }
}

const US = (() => {
  const m = new Map();
  const put = (usage, plain, shifted) => { m.set(`${usage}:0`, plain); if (shifted) m.set(`${usage}:1`, shifted); };
  for (let i = 0; i < 26; i++) put(0x04 + i, String.fromCharCode(97 + i), String.fromCharCode(65 + i));
  '1234567890'.split('').forEach((c, i) => put(0x1e + i, c, '!@#$%^&*()'[i]));
  put(0x28, '\n'); put(0x2b, '\t'); put(0x2c, ' ');
  [['-', '_'], ['=', '+'], ['[', '{'], [']', '}'], ['\\', '|']].forEach(([a, b], i) => put(0x2d + i, a, b));
  [[';', ':'], ["'", '"'], ['`', '~'], [',', '<'], ['.', '>'], ['/', '?']].forEach(([a, b], i) => put(0x33 + i, a, b));
  return m;
})();

/**
 * Decode reports (hex strings) into the text a US-layout host would see:
 * each key that appears in a report is one keystroke, shifted when a Shift
 * modifier is down. Returns null on a key it cannot decode.
 */
export function decodeUS(reports) {
  let prev = new Set();
  let text = '';
  for (const r of reports) {
    const b = r.split(' ').map((h) => parseInt(h, 16));
    const shift = (b[0] & 0x22) ? 1 : 0;
    const keys = new Set(b.slice(2).filter((k) => k !== 0));
    for (const k of keys) {
      if (prev.has(k)) continue;
      const c = US.get(`${k}:${shift}`);
      if (c == null) return null;
      text += c;
    }
    prev = keys;
  }
  return text;
}

export const ZERO = '00 00 00 00 00 00 00 00';

/**
 * Launch chromium with a new empty profile. Returns {context, close, errors}:
 * errors collects console errors and uncaught page errors.
 */
export async function launchBrowser() {
  const profile = await mkdtemp(join(tmpdir(), 'keymime-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  const errors = [];
  const watch = (page) => {
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  };
  context.on('page', watch);
  for (const p of context.pages()) watch(p);
  const close = async () => { await context.close(); await rm(profile, { recursive: true, force: true }); };
  return { context, close, errors };
}

/** Fill the login form through its labels and press Connect. */
export async function submitLogin(page, broker, { user = 'admin', password = broker.password, prefix = null } = {}) {
  await page.goto(broker.url);
  if (prefix != null) {
    await page.getByText('Broker and topics').click();
    await page.getByLabel('Topic prefix').fill(prefix);
  }
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Connect' }).click();
}

/** Open the dashboard and log in; resolves once the link says connected. */
export async function login(page, broker, opts = {}) {
  await submitLogin(page, broker, opts);
  await page.waitForSelector('#link-state[data-state="connected"]', { timeout: 10000 });
  await page.waitForSelector('#app:not([hidden])');
}

/** The row of one device (a listitem of the Devices list). */
export const row = (page, id) => page.locator(`#device-list .dev[data-id="${id}"]`);

/** The checkbox that selects a device, by its visible name. */
export const tick = (page, label) => page.getByRole('checkbox', { name: `Select ${label}`, exact: true });

/** Text of the row's work tags (job state, busy, computer, LEDs, layout, groups). */
export const tags = (page, id) => row(page, id).locator('.work .tag').allTextContents();

const AXE = readFileSync(join(here, 'node_modules/axe-core/axe.min.js'), 'utf8');

/**
 * Run axe-core in the page (injected from npm, nothing fetched). Returns
 * the serious and critical violations as "rule: target" strings.
 */
export async function axeAudit(page, what) {
  await page.addScriptTag({ content: AXE });
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const lines = bad.flatMap((v) => v.nodes.map((n) => `${what}: ${v.id} (${v.impact}) ${n.target.join(' ')} — ${v.help}`));
  console.log(`# axe ${what}: ${r.violations.length} violations, ${lines.length} serious or critical nodes`);
  return lines;
}

/**
 * Every visible interactive element's size, and the page's width: the
 * phone checks (tap targets ≥ 44 px, no horizontal scroll).
 */
export function tapTargets(page) {
  return page.evaluate(() => {
    const small = [];
    const sel = 'button, a[href], input, select, textarea, summary, [role="tab"], [tabindex="0"]';
    for (const e of document.querySelectorAll(sel)) {
      const r = e.getBoundingClientRect();
      const box = e.type === 'checkbox' ? e.closest('label')?.getBoundingClientRect() ?? r : r;
      if (r.width === 0 || r.height === 0 || e.closest('[hidden]') || getComputedStyle(e).visibility === 'hidden') continue;
      if (e.classList.contains('skip')) continue;
      if (box.height < 44 || box.width < 44) small.push(`${e.tagName.toLowerCase()}#${e.id || e.className || e.textContent.trim().slice(0, 20)} ${Math.round(box.width)}×${Math.round(box.height)}`);
    }
    return { small, scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth };
  });
}

/** Where screenshots go: KEYMIME_SCREENSHOT_DIR (docs/images), else dir. */
export const shotDir = (dir) => process.env.KEYMIME_SCREENSHOT_DIR || dir;

/** The two screen sizes of the screenshots and phone checks. */
export const SIZES = Object.freeze({ wide: { width: 1366, height: 800 }, phone: { width: 390, height: 844 } });

/** A fresh temp dir. */
export const tempDir = (tag) => mkdtemp(join(tmpdir(), `keymime-${tag}-`));
