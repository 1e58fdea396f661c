// SPDX-License-Identifier: MIT
// The dashboard driving three real keymime-agent processes through a real
// mosquitto, through the page's visible labels and roles. Each agent writes
// its 8-byte HID keyboard reports to a regular file; the tests read those
// bytes. The screenshots of docs/dashboard.md are taken here at 1366×800
// and 390×844 (into KEYMIME_SCREENSHOT_DIR=docs/images, else a temp dir).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import {
  Agent, Broker, SIZES, ZERO, buildDashboard, decodeUS, findAgent, launchBrowser, login, row, shotDir, sleep,
  submitLogin, tags, tempDir, tick, until,
} from './lib.mjs';
import { ALL_COMBOS } from '../../web-client/src/combos.js';

const BIN = findAgent();
const T = { timeout: 60000 };
let dir, broker, browser, page, out;
const agents = {};
const NAMES = { pi1: 'Reception PC', pi2: 'Build server', pi3: 'Kiosk 3' };

before(async () => {
  if (!BIN || !existsSync(BIN)) {
    throw new Error(`keymime-agent not found (${BIN}); build it, or set KEYMIME_AGENT or KEYMIME_BUILD_DIR`);
  }
  buildDashboard();
  dir = await tempDir('agents');
  out = shotDir(dir);
  broker = await new Broker(dir).start({ users: ['admin', 'pi1', 'pi2', 'pi3'] });
  agents.pi1 = await new Agent({ bin: BIN, broker, id: 'pi1', groups: ['lab'], dir,
    extra: ['--name', NAMES.pi1, '--location', 'Front desk'] }).start();
  agents.pi2 = await new Agent({ bin: BIN, broker, id: 'pi2', groups: ['lab', 'kiosk'], dir,
    extra: ['--name', NAMES.pi2, '--location', 'Rack 2'] }).start();
  agents.pi3 = await new Agent({ bin: BIN, broker, id: 'pi3', groups: ['kiosk'], dir,
    extra: ['--name', NAMES.pi3, '--location', 'Lobby'] }).start();
  browser = await launchBrowser();
  page = await browser.context.newPage();
  await page.setViewportSize(SIZES.wide);
});

after(async () => {
  if (process.exitCode && page) {
    console.log(`--- the page's activity\n${await page.locator('#log').innerText().catch((e) => String(e))}`);
  }
  await browser?.close();
  for (const a of Object.values(agents)) await a.stop();
  await broker?.stop();
  if (process.exitCode) {
    for (const [id, a] of Object.entries(agents)) console.log(`--- ${id} log\n${a.log}`);
  }
});

/** Wait until a device's availability says want. */
const avail = (id, want) => page.waitForFunction(([i, w]) => document.querySelector(`.dev[data-id="${i}"] .avail`)?.textContent === w,
  [id, want], { timeout: 15000 });

/** Tick exactly these devices (by id; the checkboxes are found by their names). */
async function select(...ids) {
  if (await page.getByRole('button', { name: 'Clear' }).isVisible()) await page.getByRole('button', { name: 'Clear' }).click();
  for (const id of ids) await tick(page, NAMES[id]).check();
  const want = ids.length === 1 ? NAMES[ids[0]] : `${ids.length} devices`;
  await page.waitForFunction((w) => document.getElementById('send-target').textContent === `Sending to ${w}`, want);
}

/** The newest activity line of a device that matches re (from its details dialog). */
async function activity(id, re, timeout = 15000) {
  await page.getByRole('button', { name: `${NAMES[id]}, details` }).click();
  const dd = page.getByRole('dialog');
  try {
    await page.waitForFunction((src) => [...document.querySelectorAll('#dd-log li')].some((li) => new RegExp(src, 's').test(li.textContent)),
      re.source, { timeout });
    return await dd.locator('#dd-log li').filter({ hasText: re }).first().textContent();
  } finally {
    await dd.getByRole('button', { name: 'Close' }).click();
  }
}

/** Wait until an agent's reports since `from` satisfy ok(reports). */
const reportsUntil = (a, from, ok, what) => until(() => {
  const r = a.reports(from);
  return ok(r) ? r : null;
}, 15000, what);

const jobSummary = () => page.textContent('#job-summary');

/** Wait until the outcome line is exactly `want` (a new job replaces the last one's line). */
const outcome = (want, timeout = 15000) => page.waitForFunction((w) => document.getElementById('job-summary').textContent === w,
  want, { timeout }).catch(async (e) => { throw new Error(`${e.message}: "${await jobSummary()}"`); });

/** Screenshots at both sizes; on the phone, scroll `phoneAt` into view first. */
async function shoot(name, phoneAt = null) {
  const hideToast = () => page.evaluate(() => { document.getElementById('toast').hidden = true; document.activeElement?.blur(); });
  await hideToast();
  await page.evaluate(() => window.scrollTo(0, 0));
  await sleep(200);
  await page.screenshot({ path: join(out, `dashboard-${name}-wide.png`) });
  await page.setViewportSize(SIZES.phone);
  await page.evaluate((sel) => {
    window.scrollTo(0, 0);
    if (sel) document.querySelector(sel).scrollIntoView({ block: 'start' });
    window.scrollBy(0, sel ? -170 : 0);   // below the sticky header and send bar
  }, phoneAt);
  await hideToast();
  await sleep(200);
  await page.screenshot({ path: join(out, `dashboard-${name}-phone.png`) });
  await page.setViewportSize(SIZES.wide);
  await page.evaluate(() => window.scrollTo(0, 0));
}

test('a wrong password says what to check', T, async () => {
  await submitLogin(page, broker, { password: 'not-the-password' });
  await page.getByRole('alert').filter({ hasText: 'Wrong user name or password' }).waitFor();
  await shoot('login-error');
});

test('login lists the agents by name and place, all online', T, async () => {
  await login(page, broker);
  for (const id of ['pi1', 'pi2', 'pi3']) await avail(id, 'online');
  // (availability lists a device; its name comes with its status, just after)
  await page.getByRole('button', { name: 'Reception PC, details' }).waitFor({ timeout: 10000 });
  assert.equal(await row(page, 'pi1').locator('.sub').textContent(), 'pi1 · Front desk');
  assert.equal(await row(page, 'pi2').locator('.sub').textContent(), 'pi2 · Rack 2');
  await page.waitForFunction(() => [...document.querySelectorAll('.dev[data-id="pi2"] .tag')].some((t) => t.textContent === 'lab, kiosk'));
  assert.ok((await tags(page, 'pi1')).includes('us · Linux'), 'layout and target');
  await page.getByRole('searchbox', { name: 'Search devices' }).fill('lobby');
  await page.waitForFunction(() => window.keymimeDebug?.shown === 1);
  await page.getByRole('searchbox', { name: 'Search devices' }).fill('');
  await page.waitForFunction(() => window.keymimeDebug?.shown === 3);
});

test('a text sent the moment a device is listed still gets its result', T, async () => {
  // The page subscribes to results before the list can show a device, and
  // to availability before statuses: a command sent at once is answered (the
  // agent types 3 characters in ~1 ms, before a results subscription made
  // after the statuses would exist), and not held back as "offline".
  const p2 = await browser.context.newPage();
  try {
    await login(p2, broker);
    // as soon as the row exists: its availability is known by then too
    await p2.waitForSelector('.dev[data-id="pi3"]', { timeout: 15000 });
    // (by the row: its name is "pi3" until its status says "Kiosk 3")
    await p2.locator('.dev[data-id="pi3"] input[type="checkbox"]').check();
    await p2.getByRole('textbox', { name: 'Text to type' }).fill('now');
    await p2.getByRole('button', { name: 'Type it' }).click();
    await p2.waitForFunction(() => /^Done: 3 characters on (pi3|Kiosk 3) — 1 done$/.test(document.getElementById('job-summary').textContent),
      null, { timeout: 10000 }).catch(async (e) => {
      throw new Error(`${e.message}: "${await p2.textContent('#job-summary')}"`);
    });
  } finally {
    await p2.close();
  }
});

test('live typing reaches only the selected agent, report by report', T, async () => {
  await select('pi1');
  await sleep(300);
  const p1 = agents.pi1.size();
  const p2 = agents.pi2.size();
  await page.getByRole('application').click();
  await page.keyboard.press('KeyA');
  let r = await reportsUntil(agents.pi1, p1, (x) => x.length >= 2, 'a pressed and released');
  assert.deepEqual(r, ['00 00 04 00 00 00 00 00', ZERO]);
  const q = agents.pi1.size();
  await page.keyboard.down('ShiftLeft');
  await page.keyboard.press('KeyB');
  await page.keyboard.up('ShiftLeft');
  r = await reportsUntil(agents.pi1, q, (x) => x.length >= 4, 'Shift+b');
  assert.deepEqual(r, ['02 00 00 00 00 00 00 00', '02 00 05 00 00 00 00 00', '02 00 00 00 00 00 00 00', ZERO]);
  await page.getByRole('searchbox', { name: 'Search devices' }).click();        // leaving the keyboard releases all
  await sleep(500);
  assert.equal(agents.pi2.size(), p2, 'nothing reached pi2');
  assert.ok(agents.pi1.reports(q).slice(4).every((x) => x === ZERO), 'only releases after leaving');
});

test('paste types the same text on two agents; each says done', T, async () => {
  await select('pi1', 'pi2');
  const from = { pi1: agents.pi1.size(), pi2: agents.pi2.size() };
  const text = 'Hello, keymime! 1+1=2 (ok?)\n';
  await page.getByRole('textbox', { name: 'Text to type' }).fill(text);
  await page.getByText('Pace, layout and target').click();
  await page.getByLabel('Pace').selectOption({ label: 'Normal (10 ms)' });
  await page.getByRole('button', { name: 'Type it' }).click();
  await outcome('Done: 28 characters on 2 devices — 2 done', 20000);
  assert.equal(await page.getByRole('progressbar').getAttribute('aria-valuenow'), '100');
  for (const id of ['pi1', 'pi2']) {
    const r = agents[id].reports(from[id]);
    assert.equal(decodeUS(r), text, `${id} typed the text`);
    assert.equal(r.at(-1), ZERO, `${id} ends with every key up`);
    assert.deepEqual((await tags(page, id))[0], 'done');
    assert.match(await activity(id, /done: 28 characters typed in \d+ ms/), /type "Hello, keymime!.*round trip \d+ ms/s);
  }
  await shoot('fleet', '#fleet');
});

test('a key combination from the Keys tab: Ctrl+Alt+Del on both, no "characters" in the log', T, async () => {
  const from = { pi1: agents.pi1.size(), pi2: agents.pi2.size() };
  await page.getByRole('tab', { name: 'Keys' }).click();
  await page.getByRole('group', { name: 'Common keys' }).getByRole('button', { name: 'Ctrl+Alt+Del' }).click();
  for (const id of ['pi1', 'pi2']) {
    const r = await reportsUntil(agents[id], from[id], (x) => x.at(-1) === ZERO && x.length >= 2, `${id} combo`);
    assert.ok(r.includes('05 00 4c 00 00 00 00 00'), `${id}: LCtrl+LAlt+Delete in one report: ${r.join(' | ')}`);
    const line = await activity(id, /keys ctrl\+alt\+delete.*done( in \d+ ms)? · round trip \d+ ms/s);
    assert.doesNotMatch(line, /character/);
  }
});

test('every built-in key combination is one the agent knows', T, async () => {
  const c = mqtt.connect(`mqtt://127.0.0.1:${broker.mqttPort}`, { username: 'admin', password: broker.password });
  await new Promise((res) => c.once('connect', res));
  const results = new Map();
  c.on('message', (_t, p) => { const r = JSON.parse(p); results.set(r.id, r); });
  await c.subscribeAsync('keymime/pi3/result');
  const combos = [...new Map(ALL_COMBOS.map((x) => [x.keys, x])).values()];
  for (const [i, k] of combos.entries()) {
    await c.publishAsync('keymime/pi3/cmd', JSON.stringify({ id: `combo-${i}`, keys: k.keys }), { qos: 1 });
  }
  await until(() => results.size >= combos.length, 20000, 'a result per combination');
  const bad = combos.filter((k, i) => !results.get(`combo-${i}`)?.ok).map((k, i) => `${k.label}: ${results.get(`combo-${i}`)?.detail}`);
  assert.deepEqual(bad, []);
  console.log(`# ${combos.length} built-in combinations, every one accepted by the agent`);
  await c.endAsync();
});

test('a macro made in the page runs as one sequence', T, async () => {
  await select('pi2');
  await page.getByRole('tab', { name: 'Macros' }).click();
  await page.getByRole('button', { name: 'New macro' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Login as root');
  await page.getByLabel(/^Steps, one per line/).fill('text: root\nkeys: enter\ndelay: 300\ntext: s3cret\\n');
  await page.getByRole('button', { name: 'Save macro' }).click();
  await page.getByRole('button', { name: 'Run macro Login as root' }).waitFor();
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('keymime.macros.v1')));
  assert.deepEqual(stored.macros[0].steps, [{ text: 'root' }, { keys: 'enter' }, { delay_ms: 300 }, { text: 's3cret\n' }]);
  const from = agents.pi2.size();
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Run macro Login as root' }).click();
  await activity('pi2', /macro \(4 steps\).*done: 11 characters typed/s);
  assert.ok(Date.now() - t0 >= 300, 'the delay step was waited');
  assert.equal(decodeUS(agents.pi2.reports(from)), 'root\ns3cret\n');
});

test('a bad key name says what to fix, and nothing is typed', T, async () => {
  await page.getByRole('tab', { name: 'Keys' }).click();
  const from = agents.pi2.size();
  await page.getByLabel('Any keys').fill('ctl+c');
  await page.getByRole('button', { name: 'Send keys' }).click();
  await outcome('Failed: ctl+c on Build server — 1 failed');
  assert.match(await page.textContent('#job-devices'), /^Build serverfailed: no key named 'ctl' — check the key names/);
  const line = await activity('pi2', /failed/);
  assert.match(line, /no key named 'ctl' — check the key names .*\(unknown_key\)/s);
  await sleep(200);
  assert.equal(agents.pi2.size(), from, 'nothing typed');
});

test('text over the limit is refused before sending', T, async () => {
  await page.getByRole('tab', { name: 'Type' }).click();
  const from = agents.pi2.size();
  await page.getByRole('textbox', { name: 'Text to type' }).fill('x'.repeat(70000));
  assert.equal(await page.textContent('#paste-count'), '70,000 characters (at most 65,536)');
  await page.getByRole('button', { name: 'Type it' }).click();
  await page.waitForFunction(() => /^Not sent\. The text has 70,000 characters; Build server takes at most 65,536/
    .test(document.getElementById('toast').textContent));
  await sleep(300);
  assert.equal(agents.pi2.size(), from);
});

test('a failed job is red, with the reason and what to do', T, async () => {
  await select('pi1', 'pi2');
  await page.getByRole('textbox', { name: 'Text to type' }).fill('naïve café costs 5 €');
  await page.getByRole('button', { name: 'Type it' }).click();
  await outcome('Failed: 20 characters on 2 devices — 2 failed');
  const lines = await page.locator('#job-devices li').allTextContents();
  for (const l of lines) assert.match(l, /failed: layout 'us' cannot type 'ï' \(U\+00EF\) at 2.* — remove those characters, or pick the computer's real layout/);
  assert.equal(await page.getByRole('progressbar').getAttribute('aria-valuenow'), '0', 'nothing was typed: an empty bar');
  await shoot('failed', '#actions');
});

test('progress from the agent while it types; cancel is grey, not red', T, async () => {
  await select('pi1');
  const from = agents.pi1.size();
  const text = 'abcdefghij'.repeat(20);
  await page.getByRole('textbox', { name: 'Text to type' }).fill(text);
  await page.getByLabel('Pace').selectOption({ label: 'Very slow (100 ms, old BIOS)' });
  await page.getByRole('button', { name: 'Type it' }).click();
  await page.waitForFunction(() => /^typing \d+ %$/.test(document.querySelector('.dev[data-id="pi1"] .tag')?.textContent ?? ''),
    null, { timeout: 15000 });
  await page.waitForFunction(() => Number(document.getElementById('job-bar').getAttribute('aria-valuenow')) >= 5, null, { timeout: 15000 });
  assert.match(await jobSummary(), /^Typing 200 characters on Reception PC — 1 typing/);
  await shoot('progress', '#actions');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.waitForFunction(() => document.getElementById('job').dataset.outcome === 'cancelled', null, { timeout: 10000 });
  assert.match(await page.textContent('#job-devices'), /^Reception PCcancelled by you after \d+ of 200 characters$/);
  await sleep(500);
  const r = agents.pi1.reports(from);
  assert.equal(r.at(-1), ZERO);
  const typed = decodeUS(r);
  assert.ok(typed.length > 0 && typed.length < text.length, `typed ${typed.length} of ${text.length}`);
  assert.ok(text.startsWith(typed));
  const line = await activity('pi1', /cancelled/);
  assert.match(line, /cancelled after \d+ characters/);
  assert.equal(await page.locator('#log li.st-error').filter({ hasText: 'cancelled' }).count(), 0, 'a cancel is not shown as an error');
  await page.getByLabel('Pace').selectOption({ label: 'Fast (agent default)' });
});

test('layout and target are set per device from its details, and shown in its row', T, async () => {
  await page.getByRole('button', { name: 'Build server, details' }).click();
  const dd = page.getByRole('dialog');
  await page.waitForFunction(() => /TargetLinux/.test(document.getElementById('dd-facts').textContent));
  await dd.getByLabel('Layout').fill('de');
  await dd.getByLabel('Target').selectOption({ label: 'Windows' });
  await dd.getByRole('button', { name: 'Set on this device' }).click();
  await page.waitForFunction(() => /set target Windows with layout de.*target is now Windows, layout de/
    .test(document.getElementById('dd-log').textContent), null, { timeout: 10000 });
  await page.waitForFunction(() => /LayoutdeTargetWindows/.test(document.getElementById('dd-facts').textContent), null, { timeout: 10000 });
  await dd.getByRole('button', { name: 'Close' }).click();
  assert.ok((await tags(page, 'pi2')).includes('de · Windows'), String(await tags(page, 'pi2')));
  await page.getByRole('searchbox', { name: 'Search devices' }).fill('target:windows');
  await page.waitForFunction(() => window.keymimeDebug?.shown === 1);
  await page.getByRole('searchbox', { name: 'Search devices' }).fill('');
  await page.getByRole('button', { name: 'Build server, details' }).click();
  await dd.getByLabel('Layout').fill('us');
  await dd.getByLabel('Target').selectOption({ label: 'Linux' });
  await dd.getByRole('button', { name: 'Set on this device' }).click();
  await page.waitForFunction(() => /LayoutusTargetLinux/.test(document.getElementById('dd-facts').textContent), null, { timeout: 10000 });
  await dd.getByRole('button', { name: 'Close' }).click();
});

test('a target chosen for one paste goes beside the layout in the command', T, async () => {
  await select('pi1');
  const from = agents.pi1.size();
  await page.getByRole('tab', { name: 'Type' }).click();
  await page.getByRole('textbox', { name: 'Text to type' }).fill('Hi');
  await page.locator('#actions').getByLabel('Target').selectOption({ label: 'macOS' });
  await page.getByRole('button', { name: 'Type it' }).click();
  await outcome('Done: 2 characters on Reception PC — 1 done');
  assert.equal(decodeUS(agents.pi1.reports(from)), 'Hi', 'macOS with the us layout types the same letters');
  await page.locator('#actions').getByLabel('Target').selectOption({ label: "device's" });
});

test('a group command: every online member answers, each result naming its device', T, async () => {
  const c = mqtt.connect(`mqtt://127.0.0.1:${broker.mqttPort}`, { username: 'admin', password: broker.password });
  await new Promise((res) => c.once('connect', res));
  const results = [];
  c.on('message', (t, p) => results.push([t, JSON.parse(p)]));
  await c.subscribeAsync('keymime/+/result');
  const from = { pi1: agents.pi1.size(), pi2: agents.pi2.size() };
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.getByLabel('Select group').selectOption('lab');
  await page.getByRole('tab', { name: 'Keys' }).click();
  await page.getByRole('group', { name: 'Common keys' }).getByRole('button', { name: 'Enter' }).click();
  const dlg = page.getByRole('dialog');
  assert.equal(await dlg.getByRole('heading').textContent(), 'Send to group lab (2 online)?');
  await dlg.getByRole('button', { name: 'Send to group lab' }).click();
  await page.waitForFunction(() => document.getElementById('job-summary').textContent === 'Done: Enter on 2 devices — 2 done',
    null, { timeout: 15000 });
  assert.deepEqual(await page.locator('#job-devices li').allTextContents(), ['Reception PCdone', 'Build serverdone']);
  await until(() => results.length >= 2, 5000, 'two results');
  assert.deepEqual(results.map(([t, r]) => [t, r.device]).sort(), [['keymime/pi1/result', 'pi1'], ['keymime/pi2/result', 'pi2']]);
  for (const id of ['pi1', 'pi2']) assert.deepEqual(agents[id].reports(from[id]), ['00 00 28 00 00 00 00 00', ZERO]);
  await c.endAsync();
  await page.getByRole('button', { name: 'Clear' }).click();
});

test('"type as you go" on a phone sends text and Enter as typed', T, async () => {
  const phone = await browser.context.newPage();
  await phone.setViewportSize(SIZES.phone);
  await login(phone, broker);
  await tick(phone, NAMES.pi1).check();
  const from = agents.pi1.size();
  await phone.getByLabel('Type as you go').click();
  await phone.keyboard.type('ls -l');
  await phone.keyboard.press('Enter');
  const r = await reportsUntil(agents.pi1, from, (x) => decodeUS(x) === 'ls -l\n', 'ls -l typed');
  assert.equal(r.at(-1), ZERO);
  assert.equal(await phone.getByLabel('Type as you go').inputValue(), '', 'Enter clears the field');
  await phone.close();
});

test('kill -9 of one agent: offline, greyed, and named before a send', T, async () => {
  agents.pi3.kill9();
  await avail('pi3', 'offline');
  await avail('pi1', 'online');
  assert.match(await row(page, 'pi3').locator('.seen').textContent(), /^since \d\d:\d\d:\d\d$/);
  assert.deepEqual(await tags(page, 'pi3'), ['kiosk'], 'no stale layout or work chips');
  await select('pi1', 'pi3');
  assert.equal(await page.getByRole('button', { name: '1 offline' }).isVisible(), true);
  await shoot('offline', '#fleet');
  const from = agents.pi1.size();
  await page.getByRole('tab', { name: 'Type' }).click();
  await page.getByRole('textbox', { name: 'Text to type' }).fill('hi!');
  await page.getByRole('button', { name: 'Type it' }).click();
  const dlg = page.getByRole('dialog');
  await dlg.waitFor();
  assert.equal(await dlg.getByRole('heading').textContent(), '1 of 2 selected is offline');
  assert.match(await dlg.textContent(), /Offline, will not type 3 characters: Kiosk 3\./);
  await dlg.getByRole('button', { name: 'Send to the 1 online' }).click();
  await outcome('Done: 3 characters on Reception PC — 1 done');
  assert.equal(decodeUS(agents.pi1.reports(from)), 'hi!');
});

test('the page raised no console error', () => {
  assert.deepEqual(browser.errors.filter((e) => !/401|not authori[sz]ed/i.test(e)), []);
});
