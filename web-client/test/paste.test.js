// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PasteJob, RateBook, defaultRate } from '../src/paste.js';

test('rates: default by pace, then learnt per device and pace', () => {
  const r = new RateBook();
  assert.equal(r.rate('pi1', null), defaultRate(null));
  assert.equal(r.rate('pi1', 30), 34);
  r.learn('pi1', 30, 100, 6000);       // 60 ms/char
  assert.equal(r.rate('pi1', 30), 60);
  r.learn('pi1', 30, 100, 4000);       // mean with 40
  assert.equal(r.rate('pi1', 30), 50);
  assert.equal(r.rate('pi2', 30), 34, 'other devices unaffected');
  assert.equal(r.rate('pi1', null), defaultRate(null), 'other paces unaffected');
  r.learn('pi1', null, 3, 300);        // too short to learn from
  assert.equal(r.rate('pi1', null), defaultRate(null));
});

test('a job runs on estimates, holds below 100% and finishes on results', () => {
  const rates = new RateBook();
  const job = new PasteJob({ id: 'w1', devices: ['a', 'b'], chars: 100, delayMs: 30, startedAt: 0, rates });
  assert.equal(job.devices.get('a').estimateMs, 3400);
  assert.equal(job.fraction(0), 0);
  assert.ok(Math.abs(job.fraction(1700) - 0.5) < 1e-9);
  assert.equal(job.fraction(100000), 0.95, 'never full before the result');
  assert.equal(job.remainingS(1700), 1.7);
  assert.equal(job.finish('a', { ok: true }), true);
  assert.equal(job.finish('a', { ok: true }), false, 'once');
  assert.equal(job.finish('zz', { ok: true }), false, 'only its devices');
  assert.equal(job.finished, false);
  assert.ok(Math.abs(job.fraction(1700) - 0.75) < 1e-9);
  job.finish('b', { ok: false, error: 'unmappable', detail: "'€' at 3" });
  assert.equal(job.finished, true);
  assert.deepEqual(job.counts(), { pending: 0, done: 1, failed: 1, cancelled: 0 });
  assert.equal(job.devices.get('b').error, "'€' at 3");
  assert.equal(job.fraction(1), 1);
  assert.equal(job.remainingS(1), null);
});

test('agent progress, when published, wins over the estimate', () => {
  const job = new PasteJob({ id: 'w1', devices: ['a'], chars: 100, delayMs: null, startedAt: 0, rates: new RateBook() });
  job.progress('a', { id: 'other', done: 90, total: 100 });
  assert.equal(job.devices.get('a').progress, null, 'progress of another command ignored');
  job.progress('a', { id: 'w1', done: 25, total: 100 });
  assert.equal(job.fraction(0), 0.25);
});

test('cancelled devices are counted as cancelled', () => {
  const job = new PasteJob({ id: 'w1', devices: ['a', 'b'], chars: 10, delayMs: null, startedAt: 0, rates: new RateBook() });
  job.finish('a', { ok: true });
  job.cancel();
  job.finish('b', { ok: false, error: 'cancelled' });
  assert.deepEqual(job.counts(), { pending: 0, done: 1, failed: 0, cancelled: 1 });
});
