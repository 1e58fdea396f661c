// SPDX-License-Identifier: MIT
// The dashboard driving two real keymime-agent processes through a real
// mosquitto. Each agent writes its 8-byte HID keyboard reports to a regular
// file; the tests read those bytes. KEYMIME_SCREENSHOT_DIR=docs/images
// refreshes the screenshots of docs/dashboard.md.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  Agent, Broker, ZERO, buildDashboard, decodeUS, findAgent, launchBrowser, login, row,
  sleep, tempDir, until,
} from './lib.mjs';

const BIN = findAgent();
const T = { timeout: 60000 };
let dir, broker, browser, page;
const agents = {};

before(async () => {
  if (!BIN || !existsSync(BIN)) {
    throw new Error(`keymime-agent not found (${BIN}); build it, or set KEYMIME_AGENT or KEYMIME_BUILD_DIR`);
  }
  buildDashboard();
  dir = await tempDir('agents');
  broker = await new Broker(dir).start({ users: ['admin', 'pi1', 'pi2'] });
  agents.pi1 = await new Agent({ bin: BIN, broker, id: 'pi1', groups: ['lab'], dir }).start();
  agents.pi2 = await new Agent({ bin: BIN, broker, id: 'pi2', groups: ['lab', 'kiosk'], dir }).start();
  browser = await launchBrowser();
  page = await browser.context.newPage();
});

after(async () => {
  if (process.exitCode && page) {
    for (const id of ['pi1', 'pi2']) {
      const log = await page.evaluate((d) => {
        const sel = document.getElementById('log-device');
        sel.value = d;
        sel.dispatchEvent(new Event('change'));
        return new Promise((r) => requestAnimationFrame(() => r(document.getElementById('log').innerText)));
      }, id).catch((e) => String(e));
      console.log(`--- ${id} in the page's log\n${log}`);
    }
  }
  await browser?.close();
  for (const a of Object.values(agents)) await a.stop();
  await broker?.stop();
  if (process.exitCode) {
    for (const [id, a] of Object.entries(agents)) console.log(`--- ${id} log\n${a.log}`);
  }
});

/** Wait until a cell of a device's row says `want`. */
async function waitText(id, sel, want, timeout = 15000) {
  await page.waitForFunction(([i, s, w]) => document.querySelector(`#device-list .dev[data-id="${i}"] ${s}`)
    ?.textContent.trim() === w, [id, sel, want], { timeout });
}

/** Tick exactly these devices. */
async function select(...ids) {
  await page.click('#sel-none');
  for (const id of ids) await row(page, id).locator('input[type=checkbox]').check();
  const want = ids.length === 1 ? ids[0] : `${ids.length} devices`;
  await page.waitForFunction((w) => document.getElementById('selection-text').textContent === `Sending to: ${w}`, want);
}

/** Open a device's log and wait for its newest entry to match re. */
async function waitLog(id, re, timeout = 15000) {
  await page.selectOption('#log-device', id).catch(() => {});
  await page.click(`#device-list .dev[data-id="${id}"] .name`);
  await page.waitForFunction(([src]) => new RegExp(src).test(document.querySelector('#log li')?.textContent ?? ''),
    [re.source], { timeout });
  return page.textContent('#log li');
}

/** Wait until an agent's reports since `from` satisfy ok(reports). */
const reportsUntil = (a, from, ok, what) => until(() => {
  const r = a.reports(from);
  return ok(r) ? r : null;
}, 10000, what);

test('login lists both agents online', T, async () => {
  await login(page, broker);
  await waitText('pi1', '.pill', 'online');
  await waitText('pi2', '.pill', 'online');
  await waitText('pi2', '.groups', 'lab, kiosk');
  await waitText('pi1', '.layout', 'us');
});

test('live typing reaches only the selected agent, report by report', T, async () => {
  await select('pi1');
  await sleep(300);
  const p1 = agents.pi1.size();
  const p2 = agents.pi2.size();
  await page.click('#capture');
  await page.keyboard.press('KeyA');
  let r = await reportsUntil(agents.pi1, p1, (x) => x.length >= 2, 'a pressed and released');
  assert.deepEqual(r, ['00 00 04 00 00 00 00 00', ZERO]);

  const q = agents.pi1.size();
  await page.keyboard.down('ShiftLeft');
  await page.keyboard.press('KeyB');
  await page.keyboard.up('ShiftLeft');
  r = await reportsUntil(agents.pi1, q, (x) => x.length >= 4, 'Shift+b');
  assert.deepEqual(r, [
    '02 00 00 00 00 00 00 00',
    '02 00 05 00 00 00 00 00',
    '02 00 00 00 00 00 00 00',
    ZERO,
  ]);
  await page.click('#search');        // leaving the keyboard releases all
  await sleep(500);
  assert.equal(agents.pi2.size(), p2, 'nothing reached pi2');
  assert.ok(agents.pi1.reports(q).slice(4).every((x) => x === ZERO), 'only releases after leaving');
});

test('paste types the same text on both agents, with progress and round trip', T, async () => {
  await select('pi1', 'pi2');
  const from = { pi1: agents.pi1.size(), pi2: agents.pi2.size() };
  const text = 'Hello, keymime! 1+1=2 (ok?)\n';
  await page.fill('#paste-text', text);
  await page.selectOption('#paste-pace', 'normal');
  await page.click('#paste-send');
  await page.waitForFunction(() => /^2\/2 done/.test(document.getElementById('paste-status').textContent),
    null, { timeout: 20000 });
  assert.equal(await page.getAttribute('#paste-progress', 'value'), '1');
  for (const id of ['pi1', 'pi2']) {
    const r = agents[id].reports(from[id]);
    assert.equal(decodeUS(r), text, `${id} typed the text`);
    assert.equal(r.at(-1), ZERO, `${id} ends with every key up`);
    const entry = await waitLog(id, /ok, 28 chars/);
    assert.match(entry, /type "Hello, keymime!.*round trip \d+ ms/s);
  }
});

test('a combo: Ctrl+Alt+Del on both', T, async () => {
  const from = { pi1: agents.pi1.size(), pi2: agents.pi2.size() };
  await page.click('#combos button:has-text("Ctrl+Alt+Del")');
  for (const id of ['pi1', 'pi2']) {
    const r = await reportsUntil(agents[id], from[id], (x) => x.at(-1) === ZERO && x.length >= 2, `${id} combo`);
    assert.ok(r.includes('05 00 4c 00 00 00 00 00'), `${id}: LCtrl+LAlt+Delete in one report: ${r.join(' | ')}`);
    await waitLog(id, /keys ctrl\+alt\+delete.*ok/s);
  }
});

test('a macro made in the page runs as one sequence', T, async () => {
  await select('pi2');
  await page.click('#macro-new');
  await page.fill('#macro-name', 'Login as root');
  await page.fill('#macro-script', 'text: root\nkeys: enter\ndelay: 300\ntext: s3cret\\n');
  await page.click('#macro-form button[type=submit]');
  await page.waitForSelector('#macro-list li:has-text("Login as root")');
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('keymime.macros.v1')));
  assert.deepEqual(stored.macros[0].steps,
    [{ text: 'root' }, { keys: 'enter' }, { delay_ms: 300 }, { text: 's3cret\n' }]);
  const from = agents.pi2.size();
  const t0 = Date.now();
  await page.click('#macro-list button[aria-label="Run macro Login as root"]');
  const entry = await waitLog('pi2', /macro \(4 steps\).*ok/s);
  assert.ok(Date.now() - t0 >= 300, 'the delay step was waited');
  assert.equal(decodeUS(agents.pi2.reports(from)), 'root\ns3cret\n');
  assert.match(entry, /round trip \d+ ms/);
});

test('an error is said plainly, in the log and on screen', T, async () => {
  await page.click('#macro-new');
  await page.fill('#macro-name', 'Typo');
  await page.fill('#macro-script', 'keys: ctl+c');
  await page.click('#macro-form button[type=submit]');
  const from = agents.pi2.size();
  await page.click('#macro-list button[aria-label="Run macro Typo"]');
  const entry = await waitLog('pi2', /failed/);
  assert.match(entry, /ctl/, `the detail names the bad key: ${entry}`);
  await page.waitForFunction(() => /pi2: .*failed/.test(document.getElementById('toast').textContent));
  await sleep(200);
  assert.equal(agents.pi2.size(), from, 'nothing typed');
});

test('cancel stops a long paste and leaves no key down', T, async () => {
  await select('pi1');
  const from = agents.pi1.size();
  const text = 'abcdefghij'.repeat(20);
  await page.fill('#paste-text', text);
  await page.selectOption('#paste-pace', 'crawl');
  await page.click('#paste-send');
  await reportsUntil(agents.pi1, from, (x) => x.length >= 6, 'typing started');
  const mid = await page.evaluate(() => Number(document.getElementById('paste-progress').value));
  assert.ok(mid > 0 && mid < 1, `the bar moves before the result (${mid})`);
  await page.click('#paste-cancel');
  await page.waitForFunction(() => /cancelled/.test(document.getElementById('paste-status').textContent),
    null, { timeout: 10000 });
  await sleep(500);
  const r = agents.pi1.reports(from);
  assert.equal(r.at(-1), ZERO);
  const typed = decodeUS(r);
  assert.ok(typed.length > 0 && typed.length < text.length, `typed ${typed.length} of ${text.length}`);
  assert.ok(text.startsWith(typed));
  await page.selectOption('#paste-pace', 'fast');
});

test('"type as you go" (phones) sends text and Enter as typed', T, async () => {
  await select('pi1');
  const from = agents.pi1.size();
  await page.click('#live-text');
  await page.keyboard.type('ls -l');
  await page.keyboard.press('Enter');
  const r = await reportsUntil(agents.pi1, from, (x) => decodeUS(x) === 'ls -l\n', 'ls -l typed');
  assert.equal(r.at(-1), ZERO);
  assert.equal(await page.inputValue('#live-text'), '', 'Enter clears the field');
});

test('screenshots: desktop, phone, login', T, async () => {
  // into docs/images with KEYMIME_SCREENSHOT_DIR=docs/images, else a temp dir
  const out = process.env.KEYMIME_SCREENSHOT_DIR || dir;
  await select('pi1', 'pi2');
  await page.fill('#paste-text', 'Hello, keymime!\n');
  await page.click('#paste-send');
  await page.waitForFunction(() => /^2\/2 done/.test(document.getElementById('paste-status').textContent));
  await page.click('#device-list .dev[data-id="pi1"] .name');
  await page.evaluate(() => {
    document.getElementById('toast').hidden = true;
    document.activeElement?.blur();
    window.scrollTo(0, 0);
  });
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: 1280, height });
  await sleep(300);
  await page.screenshot({ path: join(out, 'dashboard-desktop.png') });
  const phone = await browser.context.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  await login(phone, broker);
  await phone.waitForFunction(() => window.keymimeDebug?.total === 2);
  await phone.locator('#device-list .dev[data-id="pi2"] input').check();
  await sleep(300);
  await phone.screenshot({ path: join(out, 'dashboard-phone.png') });
  await phone.click('#logout');
  await phone.screenshot({ path: join(out, 'dashboard-login.png') });
  await phone.close();
  await page.setViewportSize({ width: 1280, height: 900 });
});

test('kill -9 of one agent shows it offline', T, async () => {
  agents.pi2.kill9();
  await waitText('pi2', '.pill', 'offline');
  await waitText('pi1', '.pill', 'online');
});

test('the page raised no console error', () => {
  assert.deepEqual(browser.errors, []);
});
