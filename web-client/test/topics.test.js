// SPDX-License-Identifier: MIT
// The topic layout against tests/data/topics.json: the same examples the
// agent's C (tests/unit/test_topics.c) is tested against, so they cannot drift.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  Topics, classifyTopic, normalisePrefix, validDeviceId, validId, validPrefix,
} from '../src/protocol.js';

const examples = JSON.parse(readFileSync(new URL('../../tests/data/topics.json', import.meta.url)));

function each(section, fn) {
  for (const s of examples[section].valid) assert.equal(fn(s), true, `${section}: '${s}' is valid`);
  for (const s of examples[section].invalid) assert.equal(fn(s), false, `${section}: '${s}' is invalid`);
}

test('ids, device ids and prefixes as the agent checks them', () => {
  each('ids', validId);
  each('device_ids', validDeviceId);
  each('prefixes', validPrefix);
});

test('normalisePrefix refuses what the agent refuses', () => {
  for (const p of examples.prefixes.valid) assert.equal(normalisePrefix(p), p);
  for (const p of examples.prefixes.invalid.filter((x) => x.trim().replace(/^\/+|\/+$/g, '') !== '')) {
    const trimmed = p.trim().replace(/^\/+|\/+$/g, '');
    assert.equal(normalisePrefix(p), validPrefix(trimmed) ? trimmed : null, p);
  }
  assert.equal(normalisePrefix('a//b'), null);
  assert.equal(normalisePrefix('$SYS'), null);
});

test('topics are built as the agent builds them', () => {
  for (const e of examples.build) {
    if (e.ha_status) continue;   // the agent's own subscription; the page has no use for it
    const t = new Topics(e.prefix);
    let got;
    if (e.device) got = t.device(e.device, e.leaf);
    else if (e.group) got = t.group(e.group, e.leaf);
    else got = t.group(e.group_filter, '+');
    assert.equal(got, e.topic);
  }
});

test('topics are classified as the agent classifies them', () => {
  for (const e of examples.classify) {
    const want = e.scope ? { scope: e.scope, name: e.name, leaf: e.leaf } : null;
    assert.deepEqual(classifyTopic(e.prefix, e.topic), want, e.topic);
  }
});
