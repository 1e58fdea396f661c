// SPDX-License-Identifier: MIT
// errors.js — errors in words that say what to fix: the agent's error codes
// (docs/protocol.md, Error codes), the broker's refusals of the login and
// of publishes (MQTT reason codes), and the limits checked before sending.
// Pure.

import { plural } from './protocol.js';

/** What to do about each agent error code; '' where nothing is to be done. */
export const ERROR_HELP = Object.freeze({
  bad_json: 'the page sent broken JSON: reload the page',
  bad_utf8: 'send UTF-8 text',
  bad_command: 'one action per command, or a macro',
  unknown_field: 'this agent is older than the page: update the agent',
  bad_type: 'this agent is older than the page: update the agent',
  bad_value: 'a delay or number is out of range',
  bad_id: 'reload the page',
  unknown_key: 'check the key names (ctrl, alt, shift, win, enter, f1…, a…z)',
  bad_chord: 'fix the key combination: keys joined by +, combinations separated by spaces',
  too_many_keys: 'at most six keys besides modifiers in one combination',
  unknown_layout: 'pick a layout the agent has (us, gb, de, fr, …)',
  unknown_target: 'pick Linux, Windows, macOS or ChromeOS',
  untypable: 'remove those characters, or pick the computer\'s real layout',
  too_long: 'split the text',
  too_large: 'split the text',
  too_many_steps: 'split the macro',
  unknown_macro: "the device has no macro of that name: see the macros its status lists",
  wake_unsupported: 'the computer is asleep and this device cannot wake it (see the status: wake.why)',
  wake_failed: 'allow the keyboard to wake the computer (Windows: Device Manager, Power Management)',
  retained: 'publish without the retain flag',
  queue_full: 'wait for the device to finish, or cancel what it is typing',
  cancelled: '',
  shutting_down: 'send it again when the device is back online',
  rollover: 'let held keys go first (Release all keys)',
  no_media_device: 'the device has no media-key function (hid_consumer)',
  host_timeout: 'check the USB cable and that the computer is awake',
  host_disconnected: 'check the USB cable and that the computer is awake',
  timeout: 'the device did not answer: check that it is online',
  offline: 'the device went offline: check its power and network',
});

/**
 * A result's failure as a sentence with what to do:
 * "no key named 'ctl' — check the key names (…)".
 */
export function explainFailure(r) {
  const what = r.detail || (r.error ?? 'failed').replace(/_/g, ' ');
  const help = ERROR_HELP[r.error];
  return help ? `${what} — ${help}` : what;
}

/** MQTT reason codes of a refused connection (3.1.1 CONNACK and v5). */
export function loginRefusal(code) {
  switch (code) {
    case 4: case 5: case 134: case 135:
      // mosquitto answers "not authorised" to a wrong password too, in both
      // protocol versions, so this is almost always the credentials.
      return 'Wrong user name or password: the broker refused the login. '
        + 'Check both (they are case-sensitive); accounts are made with keymime-broker or mosquitto_passwd.';
    case 138: return 'This account is banned on the broker.';
    case 2: case 133: return 'The broker refused the page\'s client id; reload the page.';
    case 3: case 136: case 137: return 'The broker is unavailable or busy; it will be retried.';
    case 1: case 132: return 'The broker does not speak this MQTT version.';
    default: return null;
  }
}

/** The broker refused to let this account publish to topic (v5 reason code). */
export function publishRefusal(code, topic, user) {
  if (code === 135) {
    return `The broker did not let ${user || 'this account'} send to ${topic}: `
      + 'its ACL lacks write access to that topic. Give the account write access '
      + '(keymime-broker, or the broker\'s acl_file) and try again.';
  }
  if (code === 151) return `The broker refused ${topic}: a quota was exceeded; wait and try again.`;
  if (code === 149) return `The message to ${topic} is larger than the broker accepts (message_size_limit).`;
  return `The broker refused the message to ${topic} (reason code ${code}).`;
}

const fmt = (n) => n.toLocaleString('en');

/**
 * Check a command against the limits of the devices it goes to, before
 * sending: limits is [{id, label, limits:{maxChars,maxPayload,maxSteps}}].
 * Returns a sentence saying what is over and what to do, or null.
 */
export function checkLimits(cmd, devices) {
  if (devices.length === 0) return null;
  const min = (k) => devices.reduce((a, d) => (d.limits[k] < a.limits[k] ? d : a));
  const texts = 'text' in cmd ? [cmd.text]
    : 'seq' in cmd ? cmd.seq.filter((s) => 'text' in s).map((s) => s.text) : [];
  const chars = texts.reduce((n, t) => n + [...t].length, 0);
  const tight = min('maxChars');
  if (chars > tight.limits.maxChars) {
    return `The text has ${plural(chars, 'character')}; ${who(tight, devices)} takes at most `
      + `${fmt(tight.limits.maxChars)} in one command (max_chars). Split the text, or raise max_chars.`;
  }
  if ('seq' in cmd) {
    const s = min('maxSteps');
    if (cmd.seq.length > s.limits.maxSteps) {
      return `The macro has ${plural(cmd.seq.length, 'step')}; ${who(s, devices)} takes at most `
        + `${fmt(s.limits.maxSteps)} (max_steps). Split it.`;
    }
  }
  const bytes = new TextEncoder().encode(JSON.stringify(cmd)).length;
  const p = min('maxPayload');
  if (bytes > p.limits.maxPayload) {
    return `The command is ${fmt(bytes)} bytes; ${who(p, devices)} takes at most `
      + `${fmt(p.limits.maxPayload)} bytes in one message (max_payload). Split the text.`;
  }
  return null;
}

function who(d, all) {
  return all.length === 1 ? d.label : `${d.label} (the strictest of ${all.length})`;
}
