// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Selection } from '../src/selection.js';

test('toggle, set, add, clear', () => {
  const s = new Selection();
  let changes = 0;
  s.onChange(() => { changes += 1; });
  assert.equal(s.describe(), 'no device');
  s.toggle('pi1');
  assert.deepEqual(s.target(), { group: null, ids: ['pi1'] });
  assert.equal(s.describe(), 'pi1');
  s.toggle('pi1', true);
  assert.equal(changes, 1, 'no-op toggles do not notify');
  s.add(['pi2', 'pi3']);
  assert.equal(s.describe(), '3 devices');
  s.toggle('pi2');
  assert.deepEqual(s.target().ids, ['pi1', 'pi3']);
  s.set(['x']);
  assert.deepEqual(s.target().ids, ['x']);
  s.clear();
  assert.equal(s.size, 0);
});

test('a group selection targets the group topic until edited', () => {
  const s = new Selection();
  s.selectGroup('lab', ['a', 'b']);
  assert.deepEqual(s.target(), { group: 'lab', ids: ['a', 'b'] });
  assert.equal(s.describe(), 'group lab (2 known)');
  s.noteDevice('c', ['all', 'lab']);
  s.noteDevice('d', ['all']);
  assert.deepEqual(s.target(), { group: 'lab', ids: ['a', 'b', 'c'] });
  s.toggle('a', false);
  assert.deepEqual(s.target(), { group: null, ids: ['b', 'c'] });
});

test('forget drops a vanished device', () => {
  const s = new Selection();
  s.set(['a', 'b']);
  s.forget('a');
  assert.deepEqual(s.target().ids, ['b']);
});
