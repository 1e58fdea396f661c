// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandLog } from '../src/log.js';
import { Cmd, parseResult } from '../src/protocol.js';

function clock() {
  const c = { t: 1000, now: () => c.t };
  return c;
}

test('results are matched per device by id, with round-trip time', () => {
  const c = clock();
  const log = new CommandLog(c.now);
  const changed = [];
  log.onChange((d) => changed.push(d));
  log.sent(['pi1', 'pi2'], Cmd.keys('web-1', 'ctrl+alt+delete'));
  assert.equal(log.isPending('web-1', 'pi1'), true);
  c.t = 1042;
  const e = log.result('pi1', parseResult('{"id":"web-1","ok":true,"chars":0,"ms":3}'));
  assert.equal(e.rttMs, 42);
  assert.equal(e.state, 'ok');
  assert.equal(e.outcome, 'done in 3 ms', 'a key combination types no characters');
  assert.equal(log.isPending('web-1', 'pi1'), false);
  assert.equal(log.isPending('web-1', 'pi2'), true);
  c.t = 1100;
  const f = log.result('pi2', parseResult('{"id":"web-1","ok":false,"error":"unknown_key","detail":"no key named \'ctl\'"}'));
  assert.equal(f.state, 'error');
  assert.equal(f.outcome, "failed: no key named 'ctl' — check the key names (ctrl, alt, shift, win, enter, f1…, a…z) (unknown_key)");
  assert.equal(f.rttMs, 100);
  assert.deepEqual(changed, ['pi1', 'pi2', 'pi1', 'pi2']);
  assert.equal(log.entries('pi1')[0].text, 'keys ctrl+alt+delete');
});

test('a result from a device the command did not go to is not matched', () => {
  const log = new CommandLog(clock().now);
  log.sent(['pi1'], Cmd.keys('web-1', 'a'));
  assert.equal(log.result('pi9', parseResult('{"id":"web-1","ok":true}')), null);
  const err = log.result('pi9', parseResult('{"id":"other","ok":false,"error":"busy","detail":"queue full"}'));
  assert.equal(err.state, 'error');
  assert.equal(err.text, 'result for other');
  assert.equal(log.entries('pi9').length, 1);
});

test('live keystrokes merge into one line per burst', () => {
  const c = clock();
  const log = new CommandLog(c.now);
  log.live(['pi1'], 'KeyA↓');
  c.t += 100;
  log.live(['pi1'], 'KeyA↑');
  assert.equal(log.entries('pi1').length, 1);
  assert.equal(log.entries('pi1')[0].text, 'live keys: KeyA↓ KeyA↑');
  c.t += 5000;
  log.live(['pi1'], 'KeyB↓');
  assert.equal(log.entries('pi1').length, 2);
});

test('the log keeps the last 200 entries per device, newest device first', () => {
  const c = clock();
  const log = new CommandLog(c.now);
  for (let i = 0; i < 250; i++) { c.t += 1; log.sent(['a'], Cmd.keys(`id${i}`, 'a')); }
  c.t += 1;
  log.note(['b'], 'hello');
  assert.equal(log.entries('a').length, 200);
  assert.equal(log.entries('a')[0].id, 'id50');
  assert.equal(log.isPending('id0', 'a'), false, 'dropped entries stop waiting');
  assert.deepEqual(log.devices(), ['b', 'a']);
});

test('text results count characters; a cancel is not a failure', () => {
  const c = clock();
  const log = new CommandLog(c.now);
  log.sent(['pi1'], Cmd.text('t1', 'a'));
  assert.equal(log.entries('pi1')[0].text, 'type "a" (1 character)');
  const e = log.result('pi1', parseResult('{"id":"t1","ok":true,"chars":1,"ms":5}'));
  assert.equal(e.outcome, 'done: 1 character typed in 5 ms');
  log.sent(['pi1'], Cmd.text('t2', 'x'.repeat(2000)));
  const x = log.result('pi1', parseResult('{"id":"t2","ok":false,"error":"cancelled","detail":"cancelled before it finished","chars":1234}'));
  assert.equal(x.state, 'cancelled');
  assert.equal(x.outcome, 'cancelled after 1,234 characters');
  assert.deepEqual(log.recent().map((r) => [r.device, r.text.slice(0, 8)]), [['pi1', 'type "a"'], ['pi1', 'type "xx']]);
});
