// SPDX-License-Identifier: MIT
// combos.js — built-in key combinations, sent as {"keys":…}. Key names are
// the agent's (KeyboardEvent.code names, case-insensitive, plus aliases).

export const COMBOS = Object.freeze([
  { label: 'Ctrl+Alt+Del', keys: 'ctrl+alt+delete' },
  { label: 'Ctrl+Shift+Esc', keys: 'ctrl+shift+esc' },
  { label: 'Alt+Tab', keys: 'alt+tab' },
  { label: 'Alt+F4', keys: 'alt+f4' },
  { label: 'Win', keys: 'super' },
  { label: 'Win+L', keys: 'super+l' },
  { label: 'Win+R', keys: 'super+r' },
  { label: 'Win+D', keys: 'super+d' },
  { label: 'PrintScreen', keys: 'printscreen' },
  { label: 'Alt+PrintScreen', keys: 'alt+printscreen' },
  { label: 'Esc', keys: 'esc' },
  { label: 'Enter', keys: 'enter' },
  { label: 'Tab', keys: 'tab' },
  { label: 'Ctrl+C', keys: 'ctrl+c' },
  { label: 'Ctrl+V', keys: 'ctrl+v' },
  { label: 'Ctrl+Z', keys: 'ctrl+z' },
  { label: 'Caps Lock', keys: 'capslock' },
  { label: 'Num Lock', keys: 'numlock' },
  { label: 'F2 (setup)', keys: 'f2' },
  { label: 'F12 (boot menu)', keys: 'f12' },
  { label: 'Del (setup)', keys: 'delete' },
  ...[1, 2, 3, 4, 5, 6, 7].map((n) => ({ label: `Ctrl+Alt+F${n}`, keys: `ctrl+alt+f${n}` })),
]);
