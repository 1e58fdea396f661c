// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FleetStore, naturalCompare } from '../src/fleet.js';

const status = (o = {}) => JSON.stringify({
  version: '0.1.0', layout: 'us', groups: ['all'], host: 'connected',
  leds: { num_lock: false, caps_lock: false, scroll_lock: false }, busy: false, queue: 0, ...o,
});

test('devices appear from availability or status, and report changes', () => {
  const f = new FleetStore(() => 1);
  assert.equal(f.apply('pi2', 'availability', 'online'), true);
  assert.equal(f.apply('pi10', 'status', status({ groups: ['all', 'lab'] })), true);
  assert.equal(f.apply('pi1', 'status', status()), true);
  assert.deepEqual(f.sortedIds(), ['pi1', 'pi2', 'pi10']);
  const c = f.takeChanges();
  assert.deepEqual([...c.changed].sort(), ['pi1', 'pi10', 'pi2']);
  assert.equal(c.added, true);
  assert.deepEqual(f.takeChanges(), { changed: new Set(), removed: new Set(), added: false });
  assert.equal(f.get('pi2').online, true);
  assert.equal(f.get('pi2').status, null);
  assert.equal(f.get('pi1').online, null);
});

test('an update to a known device is a change, not an addition', () => {
  const f = new FleetStore();
  f.apply('pi1', 'availability', 'online');
  f.takeChanges();
  f.apply('pi1', 'availability', 'offline');
  const c = f.takeChanges();
  assert.deepEqual([...c.changed], ['pi1']);
  assert.equal(c.added, false);
  assert.equal(f.get('pi1').online, false);
});

test('clearing both retained halves removes a device', () => {
  const f = new FleetStore();
  f.apply('pi1', 'availability', 'online');
  f.apply('pi1', 'status', status());
  f.takeChanges();
  f.apply('pi1', 'status', '');
  assert.equal(f.has('pi1'), true);
  f.apply('pi1', 'availability', '');
  assert.equal(f.has('pi1'), false);
  const c = f.takeChanges();
  assert.deepEqual([...c.removed], ['pi1']);
  assert.equal(c.changed.size, 0);
  assert.equal(f.apply('ghost', 'status', ''), false, 'a clear for an unknown device is no news');
});

test('garbage status does not create a device; kinds other than retained ones are ignored', () => {
  const f = new FleetStore();
  assert.equal(f.apply('pi1', 'status', 'not json'), false);
  assert.equal(f.apply('pi1', 'result', '{"ok":true}'), false);
  assert.equal(f.size, 0);
});

test('groups and members', () => {
  const f = new FleetStore();
  f.apply('a', 'status', status({ groups: ['all', 'lab', 'kiosk'] }));
  f.apply('b', 'status', status({ groups: ['lab'] }));
  f.apply('c', 'availability', 'online');
  assert.deepEqual(f.groups(), ['all', 'kiosk', 'lab']);
  assert.deepEqual(f.membersOf('lab'), ['a', 'b']);
  assert.deepEqual(f.membersOf('all'), ['a', 'b', 'c']);
});

test('counts', () => {
  const f = new FleetStore();
  f.apply('a', 'availability', 'online');
  f.apply('a', 'status', status({ busy: true }));
  f.apply('b', 'availability', 'offline');
  f.apply('b', 'status', status({ host: 'disconnected' }));
  f.apply('c', 'availability', 'online');
  f.apply('c', 'status', status({ host: 'disconnected' }));
  // b's computer is not reading, but b is offline: only c counts
  assert.deepEqual(f.counts(), { any: 3, online: 2, offline: 1, busy: 1, hostdown: 1 });
});

test('naturalCompare orders numbers naturally', () => {
  assert.deepEqual(['pi10', 'pi9', 'pi1', 'Pi2'].sort(naturalCompare), ['pi1', 'Pi2', 'pi9', 'pi10']);
});

test('1000 devices are absorbed quickly', () => {
  const f = new FleetStore();
  const t0 = performance.now();
  for (let i = 0; i < 1000; i++) {
    f.apply(`dev${i}`, 'availability', 'online');
    f.apply(`dev${i}`, 'status', status({ groups: ['all', `g${i % 10}`] }));
  }
  assert.equal(f.sortedIds().length, 1000);
  assert.equal(f.membersOf('g3').length, 100);
  const ms = performance.now() - t0;
  console.log(`# 1000 devices applied and sorted in ${ms.toFixed(1)} ms`);
  assert.ok(ms < 2000);
});

test('offline since and last seen: only what this page saw happen', () => {
  let now = 1000;
  const f = new FleetStore(() => now);
  f.apply('a', 'availability', 'offline', true);      // retained at login: when is not known
  assert.equal(f.get('a').offlineSince, 0);
  assert.equal(f.get('a').lastSeen, 0);
  f.apply('b', 'availability', 'online', true);
  assert.equal(f.get('b').lastSeen, 0, 'a retained online says nothing about now');
  now = 2000;
  f.apply('b', 'status', status({}), false);
  assert.equal(f.get('b').lastSeen, 2000);
  now = 3000;
  f.seen('b');
  assert.equal(f.get('b').lastSeen, 3000);
  now = 5000;
  f.apply('b', 'availability', 'offline', false);     // live: it just went
  assert.equal(f.get('b').offlineSince, 5000);
  assert.equal(f.get('b').lastSeen, 3000);
  now = 6000;
  f.apply('b', 'availability', 'offline', false);     // again: still since 5000
  assert.equal(f.get('b').offlineSince, 5000);
});

test('label is the configured name, else the id', () => {
  const f = new FleetStore();
  f.apply('pi1', 'status', status({ name: 'Reception PC', location: 'Front desk' }));
  f.apply('pi2', 'status', status({}));
  assert.equal(f.get('pi1').label, 'Reception PC');
  assert.equal(f.get('pi1').location, 'Front desk');
  assert.equal(f.get('pi2').label, 'pi2');
});
