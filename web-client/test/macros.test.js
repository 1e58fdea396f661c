// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MacroStore, STORAGE_KEY, formatScript, parseScript, sharedMacros, stepError } from '../src/macros.js';

class MemStorage {
  constructor(init = {}) { this.m = new Map(Object.entries(init)); }
  getItem(k) { return this.m.has(k) ? this.m.get(k) : null; }
  setItem(k, v) { this.m.set(k, String(v)); }
}

test('parseScript reads one step per line', () => {
  const { steps, errors } = parseScript('text: root\nkeys: enter\n\n# wait for the prompt\ndelay: 800\ntext: s3cret\\n\n  type:  two spaces');
  assert.deepEqual(errors, []);
  assert.deepEqual(steps, [
    { text: 'root' }, { keys: 'enter' }, { delay_ms: 800 }, { text: 's3cret\n' }, { text: ' two spaces' },
  ]);
});

test('parseScript names bad lines and returns no steps', () => {
  const r = parseScript('text: ok\nfoo: bar\ndelay: soon\nkeys:   \ndelay: 999999');
  assert.deepEqual(r.steps, []);
  assert.deepEqual(r.errors, [
    'line 2: expected "text:", "keys:" or "delay:"',
    'line 3: delay must be 0…60000 ms',
    'line 4: empty keys',
    'line 5: delay must be 0…60000 ms',
  ]);
  assert.deepEqual(parseScript('\n# only a comment').errors, ['a macro needs at least one step']);
});

test('formatScript is the inverse of parseScript', () => {
  const steps = [{ text: 'a\\b\tc\nd' }, { keys: 'ctrl+alt+f1' }, { delay_ms: 0 }, { text: ' lead' }];
  assert.deepEqual(parseScript(formatScript(steps)).steps, steps);
});

test('stepError', () => {
  assert.equal(stepError({ text: 'x' }), null);
  assert.equal(stepError({ delay_ms: 5 }), null);
  assert.match(stepError({ text: 'x', keys: 'y' }), /exactly one/);
  assert.match(stepError({ sleep: 1 }), /unknown step/);
  assert.match(stepError({ delay_ms: 1.5 }), /delay/);
  assert.match(stepError(null), /not an object/);
});

test('MacroStore saves, edits, removes, persists in the documented format', () => {
  let n = 0;
  const st = new MemStorage();
  const s = new MacroStore(st, () => `m${++n}`);
  assert.deepEqual(s.list(), []);
  const a = s.save(null, ' Login ', [{ text: 'root' }, { keys: 'enter' }]);
  assert.deepEqual(a, { macro: { id: 'm1', name: 'Login', steps: [{ text: 'root' }, { keys: 'enter' }] } });
  s.save(null, 'Reboot', [{ keys: 'ctrl+alt+delete' }]);
  s.save('m1', 'Login root', [{ text: 'root' }]);
  assert.deepEqual(JSON.parse(st.getItem(STORAGE_KEY)), {
    version: 1,
    macros: [
      { id: 'm1', name: 'Login root', steps: [{ text: 'root' }] },
      { id: 'm2', name: 'Reboot', steps: [{ keys: 'ctrl+alt+delete' }] },
    ],
  });
  const again = new MacroStore(st);
  assert.deepEqual(again.list().map((m) => m.name), ['Login root', 'Reboot']);
  assert.equal(again.remove('m1'), true);
  assert.equal(again.remove('m1'), false);
  assert.deepEqual(new MacroStore(st).list().map((m) => m.id), ['m2']);
});

test('MacroStore refuses bad macros and survives corrupt storage', () => {
  const s = new MacroStore(new MemStorage());
  assert.deepEqual(s.save(null, '', []).errors, ['a macro needs a name', 'a macro needs at least one step']);
  assert.deepEqual(s.save(null, 'x', [{ delay_ms: -1 }]).errors, ['step 1: delay must be 0…60000 ms']);
  assert.deepEqual(new MacroStore(new MemStorage({ [STORAGE_KEY]: '{not json' })).list(), []);
  const mixed = JSON.stringify({ version: 1, macros: [
    { id: 'ok', name: 'fine', steps: [{ text: 'a' }] },
    { id: 'bad', name: 'broken', steps: [{ nope: 1 }] },
    { name: 'no id', steps: [{ text: 'a' }] },
  ] });
  assert.deepEqual(new MacroStore(new MemStorage({ [STORAGE_KEY]: mixed })).list().map((m) => m.id), ['ok']);
  assert.deepEqual(new MacroStore(new MemStorage({ [STORAGE_KEY]: '{"version":2,"macros":[]}' })).list(), []);
  assert.deepEqual(new MacroStore(null).list(), [], 'works without storage');
});

test('list() returns copies', () => {
  const s = new MacroStore(new MemStorage());
  s.save(null, 'a', [{ text: 'x' }]);
  s.list()[0].steps[0].text = 'changed';
  assert.equal(s.list()[0].steps[0].text, 'x');
});

test('sharedMacros: the agents\' own macros every selected device has, in the first one\'s order', () => {
  const st = (...macros) => ({ macros });
  assert.deepEqual(sharedMacros([st('login', 'boot', 'cad')]), ['login', 'boot', 'cad']);
  assert.deepEqual(sharedMacros([st('login', 'boot', 'cad'), st('cad', 'login')]), ['login', 'cad']);
  assert.deepEqual(sharedMacros([st('login'), st()]), []);
  assert.deepEqual(sharedMacros([st('login'), null]), [], 'a device without a status: none');
  assert.deepEqual(sharedMacros([]), [], 'nothing selected');
});
