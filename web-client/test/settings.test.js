// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Settings, brokerUrl } from '../src/settings.js';

test('brokerUrl follows the page, or the override', () => {
  assert.equal(brokerUrl('', { protocol: 'http:', host: 'pi.lan:9001' }), 'ws://pi.lan:9001/');
  assert.equal(brokerUrl('', { protocol: 'https:', host: 'broker:9443' }), 'wss://broker:9443/');
  assert.equal(brokerUrl(' ws://x:1/mqtt ', { protocol: 'https:', host: 'y' }), 'ws://x:1/mqtt');
  assert.equal(brokerUrl('', { protocol: 'file:', host: '' }), null);
  assert.equal(brokerUrl('', null), null);
});

test('settings persist, the password is not a setting', () => {
  const m = new Map();
  const st = { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => m.set(k, v) };
  const s = new Settings(st);
  assert.equal(s.get('prefix'), 'keymime');
  s.set({ username: 'ops', password: 'secret', prefix: '/site/km/', pace: 'slow' });
  const again = new Settings(st);
  assert.equal(again.get('username'), 'ops');
  assert.equal(again.get('prefix'), 'site/km');
  assert.equal(again.get('pace'), 'slow');
  assert.equal(again.get('password'), undefined);
  assert.ok(![...m.values()].join('').includes('secret'));
  s.set({ prefix: 'bad/#' });
  assert.equal(s.get('prefix'), 'keymime');
});

test('settings survive corrupt or missing storage', () => {
  assert.equal(new Settings({ getItem: () => '{oops', setItem() {} }).get('prefix'), 'keymime');
  assert.equal(new Settings(null).get('pace'), 'fast');
  const throwing = { getItem() { throw new Error('denied'); }, setItem() { throw new Error('denied'); } };
  const s = new Settings(throwing);
  s.set({ username: 'x' });
  assert.equal(s.get('username'), 'x');
});
