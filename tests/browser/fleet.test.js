// SPDX-License-Identifier: MIT
// The dashboard against a real mosquitto, with devices simulated by
// retained messages (no agent): login, what a row shows, what the page
// publishes, group topics, the topic prefix, 1000 devices, link loss.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Broker, buildDashboard, launchBrowser, login, row, sleep, tempDir, until,
} from './lib.mjs';

let dir, broker, browser, page, pub;
const published = [];   // commands the page sent: {topic, payload}

const status = (id, o = {}) => JSON.stringify({
  device_id: id, version: '0.1.0', layout: 'us', groups: ['all'], host: 'connected',
  leds: { num_lock: false, caps_lock: false, scroll_lock: false, known: true },
  busy: false, queue: 0, counters: {}, ...o,
});

async function retain(topic, payload) {
  await pub.publishAsync(topic, payload, { retain: true, qos: 1 });
}

/** Wait until a cell of a device's row says `want`. */
async function waitText(p, id, sel, want, timeout = 10000) {
  await p.waitForFunction(([i, s, w]) => document.querySelector(`#device-list .dev[data-id="${i}"] ${s}`)
    ?.textContent.trim() === w, [id, sel, want], { timeout });
}

/** Run make(i) for i < n, 100 at a time (mqtt.js adds a listener per pending write). */
async function inBatches(n, make) {
  for (let i = 0; i < n; i += 100) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 100); j++) batch.push(...make(j));
    await Promise.all(batch);
  }
}

/** The test's own client: publishes retained state, records commands. */
async function connectPub() {
  await pub?.endAsync(true);
  pub = await broker.client();
  await pub.subscribeAsync(['keymime/+/cmd', 'keymime/group/+/cmd', 'site/km/+/cmd']);
  pub.on('message', (topic, p) => published.push({ topic, payload: JSON.parse(p.toString()) }));
}

before(async () => {
  buildDashboard();
  dir = await tempDir('fleet');
  broker = await new Broker(dir).start();
  await connectPub();
  await retain('keymime/sim1/availability', 'online');
  await retain('keymime/sim1/status', status('sim1', { groups: ['all', 'lab'], layout: 'de',
    leds: { num_lock: true, caps_lock: true, scroll_lock: false, known: true } }));
  await retain('keymime/sim2/availability', 'offline');
  await retain('keymime/sim2/status', status('sim2', { host: 'disconnected', groups: ['all', 'lab'] }));
  await retain('keymime/sim3/availability', 'online');
  await retain('keymime/sim3/status', status('sim3', { busy: true, queue: 2, groups: ['all', 'kiosk'] }));
  await retain('site/km/other1/availability', 'online');
  browser = await launchBrowser();
  page = await browser.context.newPage();
});

after(async () => {
  await browser?.close();
  await pub?.endAsync();
  await broker?.stop();
});

test('a wrong password is refused in plain words', { timeout: 90000 }, async () => {
  await page.goto(broker.url);
  await page.fill('#login-user', 'admin');
  await page.fill('#login-pass', 'wrong');
  await page.click('#login-form button[type=submit]');
  await page.waitForFunction(() => /refused|not allowed/.test(document.getElementById('login-error').textContent));
  assert.equal(await page.isVisible('#app'), false);
});

test('login lists the retained devices with their state', { timeout: 90000 }, async () => {
  await login(page, broker);
  await row(page, 'sim3').waitFor();
  await waitText(page, 'sim1', '.pill', 'online');
  await waitText(page, 'sim2', '.pill', 'offline');
  await waitText(page, 'sim1', '.host', 'connected');
  await waitText(page, 'sim2', '.host', 'disconnected');
  await waitText(page, 'sim1', '.layout', 'de');
  await waitText(page, 'sim3', '.busy', 'busy +2');
  assert.equal(await row(page, 'sim1').locator('.leds').getAttribute('aria-label'),
    'Caps Lock on, Num Lock on, Scroll Lock off');
  assert.equal(await row(page, 'other1').count(), 0, 'another prefix is not listed');
  assert.match(await page.textContent('#link-text'), /connected as admin/);
});

test('status changes update the row in place', { timeout: 90000 }, async () => {
  const before = await row(page, 'sim1').elementHandle();
  await retain('keymime/sim1/status', status('sim1', { groups: ['all', 'lab'], layout: 'fr', busy: true }));
  await page.waitForFunction(() => document.querySelector('.dev[data-id="sim1"] .layout').textContent === 'fr');
  const after = await row(page, 'sim1').elementHandle();
  assert.equal(await before.evaluate((a, b) => a === b, after), true, 'same element, updated in place');
});

test('live keys go to the ticked devices as down/up, released on leaving', { timeout: 90000 }, async () => {
  published.length = 0;
  await row(page, 'sim1').locator('input[type=checkbox]').check();
  await page.click('#capture');
  await page.keyboard.down('Shift');
  await page.keyboard.press('KeyA');
  await page.keyboard.up('Shift');
  await page.click('#search');   // focus leaves the capture area
  await until(() => published.length >= 5, 5000, 'five commands');
  await sleep(200);
  assert.deepEqual(published, [
    { topic: 'keymime/sim1/cmd', payload: { down: 'ShiftLeft' } },
    { topic: 'keymime/sim1/cmd', payload: { down: 'KeyA' } },
    { topic: 'keymime/sim1/cmd', payload: { up: 'KeyA' } },
    { topic: 'keymime/sim1/cmd', payload: { up: 'ShiftLeft' } },
    { topic: 'keymime/sim1/cmd', payload: { release_all: true } },
  ]);
});

test('full screen locks the keyboard: browser shortcuts reach the device', { timeout: 90000 }, async () => {
  published.length = 0;
  await page.click('#fullscreen');
  await page.waitForFunction(() => /keyboard locked/.test(document.getElementById('toast').textContent));
  assert.equal(await page.evaluate(() => document.activeElement.id), 'capture');
  await page.keyboard.press('Control+KeyW');
  await until(() => published.length >= 4, 5000, 'Ctrl+W');
  assert.deepEqual(published.slice(0, 4).map((m) => m.payload),
    [{ down: 'ControlLeft' }, { down: 'KeyW' }, { up: 'KeyW' }, { up: 'ControlLeft' }]);
  await page.evaluate(() => document.exitFullscreen());
  await page.click('#search');
  await until(() => published.some((m) => m.payload.release_all), 5000, 'the release on leaving');
});

test('window blur and a hidden page release held keys', { timeout: 90000 }, async () => {
  // sim1 is still ticked from the test above
  for (const fire of [
    () => window.dispatchEvent(new Event('blur')),
    () => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
      delete document.visibilityState;
    },
  ]) {
    published.length = 0;
    await page.click('#capture');
    await page.keyboard.down('ControlLeft');
    await until(() => published.length >= 1, 5000, 'Ctrl down');
    await page.evaluate(fire);
    await until(() => published.length >= 2, 5000, 'the release');
    assert.deepEqual(published.map((m) => m.payload), [{ down: 'ControlLeft' }, { release_all: true }]);
    await page.keyboard.up('ControlLeft');
    await sleep(200);
    assert.equal(published.length, 2, 'the keyup of a released key is not sent');
    await page.click('#search');
  }
});

test('the device list works from the keyboard', { timeout: 90000 }, async () => {
  await page.click('#sel-none');
  await page.focus('#device-list .dev[data-id="sim1"] input');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Select sim2');
  await page.keyboard.press('Space');
  await page.keyboard.press('End');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Select sim3');
  await page.keyboard.press('Home');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Select sim1');
  assert.equal(await page.textContent('#selection-text'), 'Sending to: sim2');
  await page.click('#sel-none');
  await row(page, 'sim1').locator('input[type=checkbox]').check();
});

test('a group selection publishes once to the group topic', { timeout: 90000 }, async () => {
  published.length = 0;
  await page.selectOption('#group-select', 'lab');
  assert.match(await page.textContent('#selection-text'), /group lab \(2 known\)/);
  await page.click('#combos button:has-text("Ctrl+Alt+Del")');
  await until(() => published.length >= 1, 5000, 'a combo');
  await sleep(200);
  assert.equal(published.length, 1);
  assert.equal(published[0].topic, 'keymime/group/lab/cmd');
  assert.equal(published[0].payload.keys, 'ctrl+alt+delete');
  assert.match(published[0].payload.id, /^web-[0-9a-z]+-\d+$/);
  await page.click('#sel-none');
});

test('results are matched by id, errors said plainly', { timeout: 90000 }, async () => {
  published.length = 0;
  await row(page, 'sim3').locator('input[type=checkbox]').check();
  await page.fill('#paste-text', 'hello');
  await page.click('#paste-send');
  await until(() => published.length >= 1, 5000, 'a paste');
  const { id } = published[0].payload;
  assert.deepEqual(published[0], { topic: 'keymime/sim3/cmd', payload: { id, text: 'hello' } });
  await pub.publishAsync('keymime/sim3/result', JSON.stringify({ id, ok: false, error: 'untypable', detail: "'é' at 2 cannot be typed in us" }));
  await page.waitForFunction(() => /1 failed/.test(document.getElementById('paste-status').textContent));
  await page.click('.dev[data-id="sim3"] .name');
  await page.waitForFunction(() => /failed: 'é' at 2 cannot be typed in us \(untypable\) — round trip \d+ ms/
    .test(document.getElementById('log').textContent));
  await page.click('#sel-none');
});

test('1000 devices are listed and filtered quickly', { timeout: 90000 }, async () => {
  const n = 1000;
  const t0 = Date.now();
  await inBatches(n, (i) => {
    const id = `bulk${i}`;
    return [
      pub.publishAsync(`keymime/${id}/availability`, i % 10 === 3 ? 'offline' : 'online', { retain: true }),
      pub.publishAsync(`keymime/${id}/status`, status(id, { groups: ['all', `g${i % 20}`], busy: i % 50 === 0 }), { retain: true }),
    ];
  });
  await page.waitForFunction((total) => window.keymimeDebug?.total === total, n + 3, { timeout: 30000 });
  const listMs = Date.now() - t0;

  // as a fresh page sees them: all retained at once, at login
  const fresh = await browser.context.newPage();
  const t1 = Date.now();
  await login(fresh, broker);
  await fresh.waitForFunction((total) => window.keymimeDebug?.total === total, n + 3, { timeout: 30000 });
  const loginMs = Date.now() - t1;

  const t2 = Date.now();
  await fresh.fill('#search', 'group:g7');
  await fresh.waitForFunction(() => window.keymimeDebug?.shown === 50, null, { timeout: 10000 });
  const filterMs = Date.now() - t2;
  const rowsShown = await fresh.locator('#device-list .dev:not([hidden])').count();
  assert.equal(rowsShown, 50);

  const t3 = Date.now();
  await fresh.fill('#search', '');
  await fresh.selectOption('#state-filter', 'busy');
  // 20 bulk devices, sim3, and sim1 (made busy above)
  await fresh.waitForFunction(() => window.keymimeDebug?.shown === 22, null, { timeout: 10000 });
  const stateMs = Date.now() - t3;

  const t4 = Date.now();
  await pub.publishAsync('keymime/bulk500/status', status('bulk500', { layout: 'be', groups: ['all', 'g0'] }), { retain: true });
  await fresh.waitForFunction(() => document.querySelector('.dev[data-id="bulk500"] .layout').textContent === 'be');
  const updateMs = Date.now() - t4;
  const renderMs = await fresh.evaluate(() => window.keymimeDebug.renderMs);
  console.log(`# 1000 devices: live arrival ${listMs} ms, fresh login+list ${loginMs} ms, ` +
    `filter group:g7 ${filterMs} ms, state busy ${stateMs} ms, one status update ${updateMs} ms ` +
    `(last render ${renderMs.toFixed(1)} ms)`);
  assert.ok(loginMs < 30000 && filterMs < 10000 && stateMs < 10000, 'sanity bound');
  await fresh.close();
  // clear the bulk devices so later tests see a small fleet again
  await inBatches(n, (i) => [
    pub.publishAsync(`keymime/bulk${i}/availability`, '', { retain: true }),
    pub.publishAsync(`keymime/bulk${i}/status`, '', { retain: true }),
  ]);
  await page.waitForFunction(() => window.keymimeDebug?.total === 3, null, { timeout: 30000 });
});

test('the page raised no console error so far', () => {
  assert.deepEqual(browser.errors.filter((e) => !/401|refused/i.test(e)), []);
});

test('link loss shows reconnecting and unknown, then recovers by itself', { timeout: 90000 }, async () => {
  const errorsBefore = browser.errors.length;
  await page.click('#sel-none');
  await row(page, 'sim1').locator('input[type=checkbox]').check();
  await page.click('#capture');
  await page.keyboard.down('ShiftLeft');          // held while the link goes
  await until(() => published.some((m) => m.payload.down === 'ShiftLeft'), 5000, 'Shift down');
  await broker.stop();
  await page.waitForSelector('#link-state[data-state="reconnecting"]', { timeout: 15000 });
  await waitText(page, 'sim1', '.pill', 'unknown');
  await broker.restart();
  published.length = 0;
  await connectPub();
  await page.waitForSelector('#link-state[data-state="connected"]', { timeout: 15000 });
  await until(() => published.length >= 1, 5000, 'the release owed since the link loss');
  assert.deepEqual(published[0], { topic: 'keymime/sim1/cmd', payload: { release_all: true } });
  await page.keyboard.up('ShiftLeft');
  await page.click('#search');
  // persistence is off: the restarted broker has no retained state; the
  // rows keep the last known values until devices republish
  await retain('keymime/sim1/availability', 'online');
  await waitText(page, 'sim1', '.pill', 'online');
  const late = browser.errors.slice(errorsBefore).filter((e) => !/WebSocket connection/.test(e));
  assert.deepEqual(late, [], 'only the browser\'s own WebSocket retry messages while the broker was down');
});

test('the topic prefix is a setting', { timeout: 90000 }, async () => {
  await retain('site/km/other1/availability', 'online');   // the restart above forgot it
  const p = await browser.context.newPage();
  await login(p, broker, { prefix: 'site/km' });
  await row(p, 'other1').waitFor();
  assert.equal(await row(p, 'sim1').count(), 0);
  published.length = 0;
  await row(p, 'other1').locator('input[type=checkbox]').check();
  await p.click('#combos button:has-text("Win+L")');
  await until(() => published.length >= 1, 5000, 'a combo under the prefix');
  assert.equal(published[0].topic, 'site/km/other1/cmd');
  await p.close();
});
