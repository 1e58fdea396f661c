// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LiveKeyboard, classifyKeyEvent } from '../src/keyboard.js';

const ev = (type, code, o = {}) => ({
  type, code, repeat: false, isComposing: false, ctrlKey: false, altKey: false,
  metaKey: false, shiftKey: false, prevented: false,
  preventDefault() { this.prevented = true; }, stopPropagation() {}, ...o,
});

test('classifyKeyEvent table', () => {
  const held = new Set(['ShiftLeft']);
  const cases = [
    [ev('keydown', 'KeyA'), 'down'],
    [ev('keydown', 'ShiftLeft'), 'ignore'],              // already held
    [ev('keydown', 'KeyA', { repeat: true }), 'ignore'], // auto-repeat
    [ev('keyup', 'ShiftLeft'), 'up'],
    [ev('keyup', 'KeyB'), 'ignore'],                     // never sent down
    [ev('keydown', ''), 'ignore'],                       // phone virtual keyboard
    [ev('keydown', 'Unidentified'), 'ignore'],
    [ev('keydown', 'KeyA', { isComposing: true }), 'ignore'],
    [ev('keydown', 'BracketRight', { ctrlKey: true }), 'leave'],
    [ev('keydown', 'BracketRight'), 'down'],
    [ev('keydown', 'BracketRight', { ctrlKey: true, altKey: true }), 'down'], // AltGr+] on some layouts
    [ev('keydown', 'Tab'), 'down'],
    [ev('keydown', 'MetaLeft'), 'down'],
    [ev('keypress', 'KeyA'), 'ignore'],
  ];
  for (const [e, want] of cases) {
    assert.equal(classifyKeyEvent(e, held).action, want, `${e.type} ${e.code} ${JSON.stringify(e)}`);
  }
});

function rig({ sendOk = true } = {}) {
  const sent = [];
  const kb = new LiveKeyboard({
    send: (c) => { if (sendOk) sent.push(c); return sendOk; },
  });
  return { kb, sent };
}

test('press and release send down/up once; repeats are not sent', () => {
  const { kb, sent } = rig();
  const d = ev('keydown', 'KeyA');
  kb.handle(d);
  kb.handle(ev('keydown', 'KeyA', { repeat: true }));
  kb.handle(ev('keydown', 'KeyA'));
  assert.deepEqual(kb.held, ['KeyA']);
  kb.handle(ev('keyup', 'KeyA'));
  assert.deepEqual(sent, [{ down: 'KeyA' }, { up: 'KeyA' }]);
  assert.equal(d.prevented, true, 'browser default is suppressed');
  assert.deepEqual(kb.held, []);
});

test('held keys stay held; release_all on blur only when something was sent', () => {
  const { kb, sent } = rig();
  kb.releaseAll('blur');
  assert.deepEqual(sent, [], 'nothing sent yet, nothing to release');
  kb.handle(ev('keydown', 'ControlLeft'));
  kb.handle(ev('keydown', 'AltLeft'));
  kb.releaseAll('blur');
  assert.deepEqual(sent, [{ down: 'ControlLeft' }, { down: 'AltLeft' }, { release_all: true }]);
  assert.deepEqual(kb.held, []);
  kb.releaseAll('blur again');
  assert.equal(sent.length, 3);
  kb.releaseAll('button', true);
  assert.deepEqual(sent.at(-1), { release_all: true });
});

test('the leave chord releases and does not send the ] key', () => {
  const { kb, sent } = rig();
  let left = 0;
  const k = new LiveKeyboard({ send: (c) => { sent.push(c); return true; }, onLeave: () => { left += 1; } });
  k.handle(ev('keydown', 'ControlLeft', { ctrlKey: true }));
  k.handle(ev('keydown', 'BracketRight', { ctrlKey: true }));
  assert.deepEqual(sent, [{ down: 'ControlLeft' }, { release_all: true }]);
  assert.equal(left, 1);
  assert.equal(kb.held.length, 0);
});

test('link loss forgets held keys and releases them when the link is back', () => {
  const sent = [];
  let up = true;
  const kb = new LiveKeyboard({ send: (c) => { if (!up) return false; sent.push(c); return true; } });
  kb.handle(ev('keydown', 'ShiftLeft'));
  up = false;
  kb.linkLost();
  kb.enabled = false;
  assert.deepEqual(kb.held, []);
  kb.handle(ev('keydown', 'KeyB'));
  assert.deepEqual(sent, [{ down: 'ShiftLeft' }], 'nothing is sent while the link is down');
  up = true;
  kb.enabled = true;
  kb.linkBack();
  assert.deepEqual(sent, [{ down: 'ShiftLeft' }, { release_all: true }]);
  kb.linkBack();
  assert.equal(sent.length, 2, 'released once');
});

test('a key the dispatcher refused is not counted as held', () => {
  const { kb, sent } = rig({ sendOk: false });
  kb.handle(ev('keydown', 'KeyA'));
  assert.deepEqual(kb.held, []);
  assert.deepEqual(sent, []);
});
