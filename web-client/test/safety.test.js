// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { question, review } from '../src/safety.js';

const fleet = {
  a: { online: true, busy: false }, b: { online: true, busy: true },
  c: { online: false }, d: { online: true },
};
const get = (id) => fleet[id];

test('a small all-online selection goes at once', () => {
  const r = review({ group: null, ids: ['a', 'd'] }, get);
  assert.equal(question(r, 'type 5 characters'), null);
});

test('offline devices are named before anything is sent; only the online ones get it', () => {
  const r = review({ group: null, ids: ['a', 'c'] }, get);
  assert.deepEqual(r.offline, ['c']);
  const q = question(r, 'type 5 characters');
  assert.equal(q.title, '1 of 2 selected is offline');
  assert.deepEqual(q.lines, ['Offline, will not type 5 characters: c.']);
  assert.equal(q.send, 'Send to the 1 online');
  const all = question(review({ group: null, ids: ['c'] }, get), 'type 5 characters');
  assert.equal(all.title, 'Every selected device is offline');
  assert.equal(all.send, null, 'nothing to send to');
});

test('a whole group, all, or more than 5 devices asks first', () => {
  const g = question(review({ group: 'all', ids: ['a', 'b', 'd'] }, get), 'get Enter');
  assert.equal(g.title, 'Send to every device (3 online)?');
  assert.match(g.lines[0], /every device that is online will get Enter, including any this page has not listed/);
  assert.deepEqual(g.lines.slice(1), ['Busy (it will wait its turn): b.']);
  assert.equal(g.send, 'Send to group all');
  const many = { group: null, ids: ['a', 'b', 'd', 'e', 'f', 'g'] };
  const more = { ...fleet, e: { online: true }, f: { online: true }, g: { online: true } };
  const q = question(review(many, (id) => more[id]), 'type 5 characters');
  assert.equal(q.title, 'Send to 6 devices?');
  assert.equal(q.send, 'Send to 6 devices');
  assert.equal(question(review({ group: null, ids: many.ids.slice(0, 5) }, (id) => more[id]), 'x'), null);
});
