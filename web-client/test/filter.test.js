// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FleetStore } from '../src/fleet.js';
import { compileFilter } from '../src/filter.js';

function fleet() {
  const f = new FleetStore();
  const st = (o) => JSON.stringify({ layout: 'us', groups: ['all'], host: 'connected',
    leds: { num_lock: false, caps_lock: false, scroll_lock: false }, busy: false, queue: 0, ...o });
  f.apply('lab-1', 'availability', 'online');
  f.apply('lab-1', 'status', st({ groups: ['all', 'lab'], leds: { caps_lock: true } }));
  f.apply('lab-2', 'availability', 'offline');
  f.apply('lab-2', 'status', st({ groups: ['all', 'lab'], layout: 'de' }));
  f.apply('kiosk', 'availability', 'online');
  f.apply('kiosk', 'status', st({ busy: true, host: 'disconnected', groups: ['all', 'front'] }));
  f.apply('bare', 'availability', 'online');
  f.apply('named', 'availability', 'online');
  f.apply('named', 'status', st({ name: 'Reception PC', location: 'Front desk', target: 'windows' }));
  return f;
}

const ids = (f, q, state) => f.sortedIds().filter((id) => compileFilter(q, state)(f.get(id)));

test('filter table', () => {
  const f = fleet();
  const cases = [
    ['', 'any', ['bare', 'kiosk', 'lab-1', 'lab-2', 'named']],
    ['reception', 'any', ['named']],
    ['desk', 'any', ['named']],
    ['name:pc', 'any', ['named']],
    ['loc:front', 'any', ['named']],
    ['target:windows', 'any', ['named']],
    ['windows', 'any', ['named']],
    ['lab', 'any', ['lab-1', 'lab-2']],
    ['LAB-1', 'any', ['lab-1']],
    ['front', 'any', ['kiosk', 'named']],   // group front, location Front desk
    ['group:lab', 'any', ['lab-1', 'lab-2']],
    ['group:all', 'any', ['bare', 'kiosk', 'lab-1', 'lab-2', 'named']],
    ['g:front', 'any', ['kiosk']],
    ['layout:de', 'any', ['lab-2']],
    ['is:online', 'any', ['bare', 'kiosk', 'lab-1', 'named']],
    ['is:offline', 'any', ['lab-2']],
    ['is:busy', 'any', ['kiosk']],
    ['is:idle', 'any', ['lab-1', 'lab-2', 'named']],
    ['host:disconnected', 'any', ['kiosk']],
    ['host:unknown', 'any', ['bare']],
    ['caps:on', 'any', ['lab-1']],
    ['caps:off', 'any', ['kiosk', 'lab-2', 'named']],
    ['lab -layout:de', 'any', ['lab-1']],
    ['-lab', 'any', ['bare', 'kiosk', 'named']],
    ['group:lab is:online', 'any', ['lab-1']],
    ['', 'online', ['bare', 'kiosk', 'lab-1', 'named']],
    ['', 'offline', ['lab-2']],
    ['', 'busy', ['kiosk']],
    // the chip: online, and the computer is not reading (unknown is not down)
    ['', 'hostdown', ['kiosk']],
    ['lab', 'online', ['lab-1']],
    ['is:nonsense', 'any', []],
    ['nomatch', 'any', []],
    ['', 'no-such-state', ['bare', 'kiosk', 'lab-1', 'lab-2', 'named']],
  ];
  for (const [q, s, want] of cases) assert.deepEqual(ids(f, q, s), want, `${q} / ${s}`);
});

test('filtering 1000 devices is fast', () => {
  const f = new FleetStore();
  for (let i = 0; i < 1000; i++) f.apply(`dev${i}`, 'status', JSON.stringify({ groups: ['all', `g${i % 7}`], layout: i % 2 ? 'us' : 'de' }));
  const t0 = performance.now();
  const n = ids(f, 'dev1 layout:us', 'any').length;
  const ms = performance.now() - t0;
  console.log(`# filtered 1000 devices in ${ms.toFixed(2)} ms (${n} shown)`);
  assert.equal(n, 56);
  assert.ok(ms < 1000);
});
