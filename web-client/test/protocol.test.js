// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Cmd, IdMaker, Topics, describeCommand, normalisePrefix,
  parseAvailability, parseProgress, parseResult, parseStatus,
} from '../src/protocol.js';

const enc = (s) => new TextEncoder().encode(s);

test('normalisePrefix trims slashes, defaults, refuses wildcards', () => {
  assert.equal(normalisePrefix(''), 'keymime');
  assert.equal(normalisePrefix(undefined), 'keymime');
  assert.equal(normalisePrefix(' /site1/keymime/ '), 'site1/keymime');
  assert.equal(normalisePrefix('a/+/b'), null);
  assert.equal(normalisePrefix('a/#'), null);
});

test('Topics builds command topics and subscriptions', () => {
  const t = new Topics('km');
  assert.deepEqual(t.subscriptions(), ['km/+/result', 'km/+/progress', 'km/+/availability', 'km/+/status']);
  assert.equal(t.rollcall(), 'km/rollcall');
  assert.equal(t.deviceCmd('pi1'), 'km/pi1/cmd');
  assert.equal(t.groupCmd('lab'), 'km/group/lab/cmd');
});

test('Topics.parse accepts only device topics of its prefix', () => {
  const t = new Topics('site/keymime');
  const cases = [
    ['site/keymime/pi1/status', { id: 'pi1', kind: 'status' }],
    ['site/keymime/pi-2_x/availability', { id: 'pi-2_x', kind: 'availability' }],
    ['site/keymime/pi1/result', { id: 'pi1', kind: 'result' }],
    ['site/keymime/pi1/progress', { id: 'pi1', kind: 'progress' }],
    ['site/keymime/pi1/cmd', null],
    ['site/keymime/group/status', null],
    ['site/keymime/group/lab/cmd', null],
    ['keymime/pi1/status', null],
    ['site/keymime/pi.1/status', null],
    [`site/keymime/${'x'.repeat(65)}/status`, null],
    ['site/keymime/pi1/status/extra', null],
  ];
  for (const [topic, want] of cases) assert.deepEqual(t.parse(topic), want, topic);
});

test('parseAvailability', () => {
  assert.equal(parseAvailability(enc('online')), true);
  assert.equal(parseAvailability(enc('offline')), false);
  assert.equal(parseAvailability(enc(' Online\n')), true);
  assert.equal(parseAvailability(enc('')), null);
  assert.equal(parseAvailability(enc('maybe')), null);
});

test('parseStatus reads the contract fields', () => {
  const s = parseStatus(enc(JSON.stringify({
    device_id: 'pi1', version: '0.1.0', layout: 'de', groups: ['all', 'lab'],
    host: 'connected', leds: { num_lock: true, caps_lock: false, scroll_lock: true },
    busy: true, queue: 3, counters: { typed: 5 }, uptime_s: 7,
    name: ' Reception PC ', location: 'Front desk', target: 'windows',
    limits: { max_chars: 100, max_payload: 4096, max_steps: 10 }, macros: ['login', 'boot_menu'],
  })));
  assert.deepEqual(s, {
    deviceId: 'pi1', name: 'Reception PC', location: 'Front desk', version: '0.1.0', layout: 'de',
    target: 'windows', groups: ['all', 'lab'], macros: ['login', 'boot_menu'],
    host: 'connected', ledsKnown: true, leds: { num: true, caps: false, scroll: true },
    busy: true, queue: 3, uptimeS: 7, limits: { maxChars: 100, maxPayload: 4096, maxSteps: 10 },
    counters: { typed: 5 },
  });
});

test('parseStatus fills defaults for missing or odd fields', () => {
  const s = parseStatus('{"host":"sideways","queue":-4,"groups":["lab",3,""]}');
  assert.equal(s.host, 'unknown');
  assert.equal(s.queue, 0);
  assert.deepEqual(s.groups, ['all', 'lab']);
  assert.deepEqual(s.leds, { num: false, caps: false, scroll: false });
  assert.equal(s.ledsKnown, true);
  assert.equal(parseStatus('{"leds":{"known":false}}').ledsKnown, false);
  assert.equal(s.busy, false);
  assert.equal(s.layout, '');
  assert.equal(s.name, '');
  assert.equal(s.target, '');
  assert.deepEqual(s.limits, { maxChars: 65536, maxPayload: 262144, maxSteps: 1000 }, 'the agent defaults');
  assert.deepEqual(parseStatus('{"limits":{"max_chars":-1,"max_steps":"9"}}').limits.maxChars, 65536);
});

test('parseStatus: the agent\'s macros (valid names only) and a suspended host', () => {
  assert.deepEqual(parseStatus('{}').macros, []);
  assert.deepEqual(parseStatus('{"macros":["ok","no spaces",7,"","a-b_1"]}').macros, ['ok', 'a-b_1']);
  assert.deepEqual(parseStatus('{"macros":"login"}').macros, []);
  assert.equal(parseStatus('{"host":"suspended"}').host, 'suspended');
  assert.deepEqual(Cmd.macro('web-3', 'login'), { id: 'web-3', macro: 'login' });
  assert.equal(describeCommand(Cmd.macro('x', 'login')), 'device macro login');
});

test('parseStatus rejects empty and non-object payloads', () => {
  for (const p of ['', '  ', 'nope', '[]', 'null', '42', '"x"']) {
    assert.equal(parseStatus(enc(p)), null, JSON.stringify(p));
  }
});

test('parseProgress reads the progress topic', () => {
  assert.deepEqual(parseProgress('{"id":"web-1","device":"pi1","source":"cmd","chars":5,"chars_total":10,"keys":9,"keys_total":20,"ms":40}'),
    { id: 'web-1', device: 'pi1', done: 5, total: 10 });
  assert.deepEqual(parseProgress('{"id":"k","device":"pi1","chars":0,"chars_total":0,"keys":3,"keys_total":8}'),
    { id: 'k', device: 'pi1', done: 3, total: 8 }, 'keys only: counts keys');
  assert.deepEqual(parseProgress('{"id":7,"done":12,"total":10}'), { id: '7', device: null, done: 10, total: 10 });
  for (const p of ['', 'x', '{"chars":5,"total":10}', '{"id":"a","chars":5,"total":0}', '{"id":"a","chars":-1,"total":3}']) {
    assert.equal(parseProgress(p), null, p);
  }
});

test('parseResult: ok, error, garbage', () => {
  assert.deepEqual(parseResult('{"id":"42","ok":true,"chars":5,"ms":12}'), {
    id: '42', device: null, ok: true, error: null, detail: '', chars: 5, ms: 12,
    raw: { id: '42', ok: true, chars: 5, ms: 12 },
  });
  assert.equal(parseResult('{"id":"42","device":"pi1","ok":true}').device, 'pi1');
  const e = parseResult('{"id":"43","ok":false,"error":"unknown_key","detail":"no key named \'ctl\'"}');
  assert.equal(e.ok, false);
  assert.equal(e.error, 'unknown_key');
  assert.equal(e.detail, "no key named 'ctl'");
  assert.equal(parseResult('{"id":null,"ok":false}').id, null);
  assert.equal(parseResult('{"id":null,"ok":false}').error, 'error');
  assert.equal(parseResult('{"id":7,"ok":true}').id, '7');
  assert.equal(parseResult('not json'), null);
});

test('IdMaker makes unique web-<random>-<n> ids', () => {
  const a = new IdMaker(() => 0.5);
  const ids = new Set(Array.from({ length: 1000 }, () => a.next()));
  assert.equal(ids.size, 1000);
  assert.match(a.next(), /^web-[0-9a-z]+-1001$/);
  assert.notEqual(new IdMaker(() => 0.1).next(), new IdMaker(() => 0.9).next());
});

test('Cmd builds the contract commands', () => {
  assert.deepEqual(Cmd.down('KeyA'), { down: 'KeyA' });
  assert.deepEqual(Cmd.up('ShiftLeft'), { up: 'ShiftLeft' });
  assert.deepEqual(Cmd.releaseAll(), { release_all: true });
  assert.deepEqual(Cmd.cancel(), { cancel: true });
  assert.deepEqual(Cmd.text('1', 'hi'), { id: '1', text: 'hi' });
  assert.deepEqual(Cmd.text('1', 'hi', { delayMs: 30, layout: 'de' }),
    { id: '1', text: 'hi', delay_ms: 30, layout: 'de' });
  assert.deepEqual(Cmd.text('1', 'hi', { delayMs: null, layout: '' }), { id: '1', text: 'hi' });
  assert.deepEqual(Cmd.text('1', 'hi', { target: 'macos' }), { id: '1', text: 'hi', target: 'macos' });
  assert.deepEqual(Cmd.setLayout('4', 'de'), { id: '4', set_layout: 'de' });
  assert.deepEqual(Cmd.setTarget('5', 'windows'), { id: '5', set_target: 'windows' });
  assert.deepEqual(Cmd.setTarget('6', 'windows', 'pt-br'), { id: '6', set_target: 'windows', layout: 'pt-br' });
  assert.deepEqual(Cmd.keys('2', 'ctrl+alt+delete'), { id: '2', keys: 'ctrl+alt+delete' });
  const steps = [{ text: 'root' }, { keys: 'enter' }, { delay_ms: 800 }];
  const s = Cmd.seq('3', steps);
  assert.deepEqual(s, { id: '3', seq: steps });
  assert.notEqual(s.seq[0], steps[0], 'steps are copied');
});

test('describeCommand says what was sent', () => {
  assert.equal(describeCommand(Cmd.keys('1', 'alt+tab')), 'keys alt+tab');
  assert.equal(describeCommand(Cmd.text('1', 'héllo')), 'type "héllo" (5 characters)');
  assert.equal(describeCommand(Cmd.text('1', 'h')), 'type "h" (1 character)');
  assert.match(describeCommand(Cmd.text('1', 'x'.repeat(1000))), /…" \(1,000 characters\)$/);
  assert.equal(describeCommand(Cmd.setTarget('1', 'macos')), 'set target macOS');
  assert.equal(describeCommand(Cmd.seq('1', [{ text: 'a' }])), 'macro (1 step)');
  assert.equal(describeCommand(Cmd.cancel()), 'cancel');
});
