// SPDX-License-Identifier: MIT
// The README's picture of the demo: logs in to a running `provisioning/demo.sh`
// in Debian's Chromium, ticks pi2 (the Windows PC with the German layout),
// types a German text through "Paste text", waits for the agent's result and
// saves the page as docs/images/dashboard-demo.png. Not a test: run it by hand
// when the dashboard changes.
//
//   provisioning/demo.sh &          # prints the URL; the password is in
//   node tests/browser/demo-screenshot.mjs http://localhost:9001/ build-demo/run/demo.password
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, launchBrowser, tick } from './lib.mjs';

const [url = 'http://localhost:9001/', pwFile = join(REPO, 'build-demo/run/demo.password')] =
  process.argv.slice(2);
const out = join(REPO, 'docs/images/dashboard-demo.png');
const { context, close, errors } = await launchBrowser();
try {
  const page = await context.newPage();
  await page.setViewportSize({ width: 1366, height: 800 });
  await page.goto(url);
  await page.getByLabel('User name').fill('demo');
  await page.getByLabel('Password').fill(readFileSync(pwFile, 'utf8').trim());
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.waitForSelector('#link-state[data-state="connected"]', { timeout: 10000 });
  for (const id of ['pi1', 'pi2', 'pi3'])
    await page.waitForSelector(`#device-list .dev[data-id="${id}"]`, { timeout: 10000 });
  await tick(page, 'pi2').check();
  await page.getByLabel('Text to type').fill('Grüße aus dem Browser {x} [y] @ €');
  await page.getByRole('button', { name: 'Type it' }).click();
  await page.getByText('Done: 33 characters on pi2 — 1 done').waitFor({ timeout: 10000 });
  await page.waitForTimeout(500);   // the bar's 0.15 s width transition
  const typed = readFileSync(join(REPO, 'build-demo/run/pi2/screen.txt'), 'utf8');
  if (!typed.includes('Grüße aus dem Browser {x} [y] @ €')) throw new Error(`pi2's computer shows ${JSON.stringify(typed)}`);
  await page.screenshot({ path: out });
  if (errors.length) throw new Error(errors.join('\n'));
  console.log(`saved ${out}`);
} finally {
  await close();
}
