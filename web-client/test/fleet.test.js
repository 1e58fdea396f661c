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
  assert.deepEqual(f.counts(), { total: 2, online: 1, busy: 1, hostDown: 1 });
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
