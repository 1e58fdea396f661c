// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLimits, explainFailure, loginRefusal, publishRefusal } from '../src/errors.js';
import { DEFAULT_LIMITS } from '../src/protocol.js';

const dev = (label, l = {}) => ({ label, limits: { ...DEFAULT_LIMITS, ...l } });

test('the 65,536-character limit is checked before sending', () => {
  assert.equal(checkLimits({ id: '1', text: 'x'.repeat(65536) }, [dev('pi1')]), null);
  assert.equal(checkLimits({ id: '1', text: 'x'.repeat(70000) }, [dev('pi1')]),
    'The text has 70,000 characters; pi1 takes at most 65,536 in one command (max_chars). Split the text, or raise max_chars.');
  assert.match(checkLimits({ id: '1', text: 'x'.repeat(200) }, [dev('pi1'), dev('pi2', { maxChars: 100 })]),
    /pi2 \(the strictest of 2\) takes at most 100/);
  assert.equal(checkLimits({ id: '1', text: 'x'.repeat(70000) }, []), null, 'no known device: the agent decides');
});

test('payload bytes and macro steps', () => {
  // 65,536 four-byte characters are within max_chars but not max_payload
  assert.match(checkLimits({ id: '1', text: '😀'.repeat(65536) }, [dev('pi1')]), /262,1\d\d bytes; pi1 takes at most 262,144 bytes/);
  const seq = Array.from({ length: 1001 }, () => ({ keys: 'a' }));
  assert.match(checkLimits({ id: '1', seq }, [dev('pi1')]), /1,001 steps; pi1 takes at most 1,000/);
  assert.equal(checkLimits({ id: '1', keys: 'ctrl+c' }, [dev('pi1')]), null);
});

test('failures say what to do', () => {
  assert.equal(explainFailure({ error: 'queue_full', detail: '64 commands are waiting' }),
    '64 commands are waiting — wait for the device to finish, or cancel what it is typing');
  assert.equal(explainFailure({ error: 'something_new', detail: '' }), 'something new');
  assert.equal(explainFailure({ error: 'cancelled', detail: 'cancelled' }), 'cancelled');
});

test('a refused login says to check the credentials, not "not allowed"', () => {
  for (const code of [4, 5, 134, 135]) assert.match(loginRefusal(code), /^Wrong user name or password/);
  assert.equal(loginRefusal(0), null);
  assert.match(publishRefusal(135, 'keymime/pi1/cmd', 'ops'), /did not let ops send to keymime\/pi1\/cmd: its ACL lacks write access/);
});
