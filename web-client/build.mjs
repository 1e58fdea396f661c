// SPDX-License-Identifier: MIT
// build.mjs — writes the dashboard into dist/ as ONE self-contained
// index.html: esbuild bundles src/main.js (with MQTT.js from node_modules)
// and the bundle and the stylesheet are inlined. Why one file: mosquitto's
// http_dir (2.0.x) sends no Content-Type header, and browsers refuse module
// scripts and stylesheets served without one.
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const minify = !process.argv.includes('--dev');

const js = await build({
  entryPoints: [join(here, 'src/main.js')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome111', 'firefox115', 'safari16.4'],
  minify,
  legalComments: 'eof',
  loader: { '.svg': 'text' },
  write: false,
  logLevel: 'warning',
});
const css = await build({
  entryPoints: [join(here, 'src/style.css')],
  bundle: true,
  minify,
  write: false,
  logLevel: 'warning',
});
const script = js.outputFiles[0].text.replace(/<\/(script)/gi, '<\\/$1');
const style = css.outputFiles[0].text.replace(/<\/(style)/gi, '<\\/$1');
const html = (await readFile(join(here, 'src/index.html'), 'utf8'))
  .replace('/*STYLE*/', () => style)
  .replace('/*SCRIPT*/', () => script);

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
await writeFile(join(dist, 'index.html'), html);
console.log(`dist/index.html: ${(html.length / 1024).toFixed(0)} KiB`);
