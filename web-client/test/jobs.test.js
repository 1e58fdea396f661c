// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Job, RateBook, defaultRate } from '../src/jobs.js';

test('rates: default by pace, then learnt per device and pace', () => {
  const r = new RateBook();
  assert.equal(r.rate('pi1', null), defaultRate(null));
  assert.equal(r.rate('pi1', 30), 34);
  r.learn('pi1', 30, 100, 6000);       // 60 ms/char
  assert.equal(r.rate('pi1', 30), 60);
  r.learn('pi1', 30, 100, 4000);       // mean with 40
  assert.equal(r.rate('pi1', 30), 50);
  assert.equal(r.rate('pi2', 30), 34, 'other devices unaffected');
  r.learn('pi1', null, 3, 300);        // too short to learn from
  assert.equal(r.rate('pi1', null), defaultRate(null));
});

const job = (o = {}) => new Job({ id: 'w1', devices: ['a', 'b'], chars: 100, delayMs: 30, startedAt: 0, rates: new RateBook(), label: '100 characters', ...o });

test('waiting → typing n % from the agent\'s progress → done', () => {
  const j = job();
  assert.equal(j.describe('a'), 'waiting');
  assert.equal(j.fraction(1000), 0, 'nothing known typed: an empty bar');
  assert.equal(j.progress('a', { id: 'other', done: 5, total: 100 }), false, 'another job');
  assert.equal(j.progress('a', { id: 'w1', done: 42, total: 100 }), true);
  assert.equal(j.describe('a'), 'typing 42 %');
  assert.equal(j.fraction(0), 0.21);
  assert.equal(j.finish('a', { ok: true, chars: 100 }), true);
  assert.equal(j.finish('a', { ok: true, chars: 100 }), false, 'once');
  assert.equal(j.describe('a'), 'done');
  assert.equal(j.outcome, 'running');
  j.finish('b', { ok: true, chars: 100 });
  assert.equal(j.outcome, 'ok');
  assert.equal(j.fraction(0), 1);
  assert.equal(j.summary(0), 'Done: 100 characters on 2 devices — 2 done');
});

test('without progress messages: typing once busy, the bar on an estimate held below 100 %', () => {
  const j = job();
  assert.equal(j.busy('a'), true);
  assert.equal(j.describe('a'), 'typing…', 'no invented percentage');
  assert.equal(j.partFraction(j.devices.get('a'), 1700), 0.5);
  assert.equal(j.partFraction(j.devices.get('a'), 100000), 0.95);
  assert.equal(j.partFraction(j.devices.get('b'), 100000), 0, 'still waiting: nothing shown typed');
});

test('a failure shows how far it got, in red, not as a full bar', () => {
  const j = job({ devices: ['a'] });
  j.finish('a', { ok: false, error: 'too_long', detail: '70000 characters; max_chars is 65536', chars: 0 });
  assert.equal(j.outcome, 'failed');
  assert.equal(j.fraction(0), 0);
  assert.equal(j.describe('a'), 'failed: 70000 characters; max_chars is 65536 — split the text');
  const k = job({ devices: ['a'] });
  k.finish('a', { ok: false, error: 'host_timeout', detail: 'the computer stopped reading', chars: 30 });
  assert.equal(k.fraction(0), 0.3);
  assert.match(k.describe('a'), /^failed after 30 of 100 characters: the computer stopped reading — check the USB cable/);
});

test('a cancel by the user is cancelled, not failed', () => {
  const j = job();
  j.cancel();
  j.finish('a', { ok: false, error: 'cancelled', detail: 'cancelled before it finished', chars: 23 });
  j.finish('b', { ok: false, error: 'cancelled', detail: 'dropped', chars: 0 });
  assert.equal(j.outcome, 'cancelled');
  assert.equal(j.describe('a'), 'cancelled by you after 23 of 100 characters');
  assert.deepEqual(j.counts(), { waiting: 0, typing: 0, done: 0, failed: 0, cancelled: 2 });
  assert.equal(j.summary(0), 'Cancelled: 100 characters on 2 devices — 2 cancelled');
});

test('offline, timeout, and group members the page had not listed', () => {
  const j = job();
  assert.equal(j.lost('a'), true);
  assert.match(j.describe('a'), /^failed: went offline before it finished/);
  assert.equal(j.expire(1000), false);
  assert.equal(j.expire(10000 + 3400 * 3 + 1), true);
  assert.match(j.describe('b'), /^failed: no answer/);
  assert.equal(j.finish('zz', { ok: true }), false, 'not a group job: only its devices');
  const g = job({ group: 'lab' });
  assert.equal(g.finish('zz', { ok: true, chars: 100 }), true);
  assert.equal(g.extra, 1);
  assert.equal(g.devices.size, 3);
});

test('keys: no characters, the bar counts devices', () => {
  const j = job({ chars: 0, kind: 'keys', label: 'Ctrl+Alt+Del' });
  j.finish('a', { ok: true, chars: 0 });
  assert.equal(j.fraction(0), 0.5);
  assert.equal(j.summary(0), 'Sending Ctrl+Alt+Del to 2 devices — 1 done, 1 waiting');
});
