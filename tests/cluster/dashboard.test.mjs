// SPDX-License-Identifier: MIT
// The dashboard on the ejabberd cluster (tests/cluster/clusterlib.py): two
// real agents on node A (their broker lists A, then B), the page in Debian's
// chromium on node B over MQTT-over-WebSockets. Node B has none of node A's
// retained state: the fleet shows only because the page calls the roll. Then
// node A is killed: the agents move to B, and what the page sends after is
// typed exactly once. Reuses tests/browser/lib.mjs (its node_modules).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { extname, join } from 'node:path';
import {
  Agent, WEB, ZERO, buildDashboard, decodeUS, findAgent, launchBrowser, row, tempDir, tick, until,
} from '../browser/lib.mjs';

const BIN = findAgent();
const T = { timeout: 120000 };
let cluster, lines, info, server, pageUrl, browser, page, dir;
const agents = {};

/** The cluster's next JSON line on stdout. */
async function nextLine() {
  const { value, done } = await lines.next();
  if (done) throw new Error('the cluster helper ended');
  return JSON.parse(value);
}

/** web-client/dist over HTTP (ejabberd serves MQTT only). */
function serveDist() {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
  const s = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const file = join(WEB, 'dist', path === '/' ? 'index.html' : path.replace(/\.\./g, ''));
    if (!existsSync(file)) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r(s)));
}

before(async () => {
  if (!BIN || !existsSync(BIN)) throw new Error(`keymime-agent not found (${BIN})`);
  buildDashboard();
  dir = await tempDir('cluster-dash');
  cluster = spawn('/usr/bin/python3', [new URL('./clusterlib.py', import.meta.url).pathname, 'ejabberd', 'admin', 'pi1', 'pi2'],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  lines = createInterface({ input: cluster.stdout })[Symbol.asyncIterator]();
  info = await nextLine();
  server = await serveDist();
  pageUrl = `http://127.0.0.1:${server.address().port}/`;
  const brokers = info.mqtt.map((p) => `tcp://127.0.0.1:${p}`).join(', ');
  const node = { mqttPort: info.mqtt[0], password: info.password };
  for (const [id, groups] of [['pi1', ['lab']], ['pi2', ['lab']]]) {
    agents[id] = await new Agent({ bin: BIN, broker: node, id, groups, dir,
      extra: ['--broker', brokers, '--reconnect-max-s', '2'] }).start();
  }
  await until(() => Object.values(agents).every((a) => a.log.includes(`connected to tcp://127.0.0.1:${info.mqtt[0]}, MQTT 5`)),
    30000, 'both agents on node A');
  browser = await launchBrowser();
  page = await browser.context.newPage();
});

after(async () => {
  await browser?.close();
  for (const a of Object.values(agents)) await a.stop();
  server?.close();
  if (cluster) { cluster.stdin.end(); await new Promise((r) => cluster.once('exit', r)); }
  if (process.exitCode) for (const [id, a] of Object.entries(agents)) console.log(`--- ${id} log\n${a.log}`);
});

const avail = (id, want) => page.waitForFunction(([i, w]) => document.querySelector(`.dev[data-id="${i}"] .avail`)?.textContent === w,
  [id, want], { timeout: 30000 });

async function typeOnBoth(text) {
  const from = { pi1: agents.pi1.size(), pi2: agents.pi2.size() };
  await page.getByRole('textbox', { name: 'Text to type' }).fill(text);
  await page.getByRole('button', { name: 'Type it' }).click();
  for (const id of ['pi1', 'pi2']) {
    await until(() => decodeUS(agents[id].reports(from[id])) === text && agents[id].reports(from[id]).at(-1) === ZERO,
      20000, `${id} typed ${JSON.stringify(text)}`);
  }
  await new Promise((r) => setTimeout(r, 1000));
  for (const id of ['pi1', 'pi2']) assert.equal(decodeUS(agents[id].reports(from[id])), text, `${id}: once`);
}

test('the page on node B shows the agents of node A, by roll call', T, async () => {
  await page.goto(pageUrl);
  await page.getByText('Broker and topics').click();
  await page.getByLabel('Broker URL').fill(`ws://127.0.0.1:${info.ws[1]}/mqtt`);
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password').fill(info.password);
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.waitForSelector('#link-state[data-state="connected"]', { timeout: 20000 });
  for (const id of ['pi1', 'pi2']) await avail(id, 'online');
  assert.equal(await row(page, 'pi1').count(), 1);
});

test('text typed from node B on both agents of node A', T, async () => {
  await tick(page, 'pi1').check();
  await tick(page, 'pi2').check();
  await typeOnBoth('via node b\n');
});

test('node A dies: the agents move to B, the page keeps working, typed once', T, async () => {
  cluster.stdin.write('kill 0\n');
  assert.deepEqual(await nextLine(), { killed: 0 });
  await until(() => Object.values(agents).every((a) => a.log.includes(`connected to tcp://127.0.0.1:${info.mqtt[1]}, MQTT 5`)),
    60000, 'both agents on node B');
  for (const id of ['pi1', 'pi2']) await avail(id, 'online');
  await typeOnBoth('after the failover\n');
});
