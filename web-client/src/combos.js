// SPDX-License-Identifier: MIT
// combos.js — built-in key combinations, sent as {"keys":…}: the most used
// at hand, the rest in menus by system. Key names are the agent's
// (KeyboardEvent.code names, case-insensitive, plus aliases; win = super =
// cmd = the GUI key).

/** Always visible. */
export const AT_HAND = Object.freeze([
  { label: 'Ctrl+Alt+Del', keys: 'ctrl+alt+delete' },
  { label: 'Enter', keys: 'enter' },
  { label: 'Esc', keys: 'esc' },
  { label: 'Tab', keys: 'tab' },
  { label: 'Backspace', keys: 'backspace' },
  { label: 'Lock screen (Win+L)', keys: 'super+l' },
]);

/** Menus: one per system. */
export const MENUS = Object.freeze([
  {
    name: 'Windows',
    combos: [
      { label: 'Ctrl+Alt+Del', keys: 'ctrl+alt+delete' },
      { label: 'Task Manager (Ctrl+Shift+Esc)', keys: 'ctrl+shift+esc' },
      { label: 'Start (Win)', keys: 'super' },
      { label: 'Lock (Win+L)', keys: 'super+l' },
      { label: 'Run (Win+R)', keys: 'super+r' },
      { label: 'Desktop (Win+D)', keys: 'super+d' },
      { label: 'Switch window (Alt+Tab)', keys: 'alt+tab' },
      { label: 'Close window (Alt+F4)', keys: 'alt+f4' },
      { label: 'PrintScreen', keys: 'printscreen' },
      { label: 'Alt+PrintScreen', keys: 'alt+printscreen' },
    ],
  },
  {
    name: 'macOS',
    combos: [
      { label: 'Spotlight (Cmd+Space)', keys: 'cmd+space' },
      { label: 'Switch app (Cmd+Tab)', keys: 'cmd+tab' },
      { label: 'Quit app (Cmd+Q)', keys: 'cmd+q' },
      { label: 'Lock (Ctrl+Cmd+Q)', keys: 'ctrl+cmd+q' },
      { label: 'Force quit (Cmd+Option+Esc)', keys: 'cmd+alt+esc' },
      { label: 'Screenshot (Cmd+Shift+3)', keys: 'cmd+shift+3' },
    ],
  },
  {
    name: 'Linux console',
    combos: [
      ...[1, 2, 3, 4, 5, 6, 7].map((n) => ({ label: `Ctrl+Alt+F${n}`, keys: `ctrl+alt+f${n}` })),
      { label: 'Ctrl+C', keys: 'ctrl+c' },
      { label: 'Ctrl+D', keys: 'ctrl+d' },
      { label: 'Ctrl+Z', keys: 'ctrl+z' },
    ],
  },
  {
    name: 'Firmware and boot',
    combos: [
      { label: 'F2 (setup)', keys: 'f2' },
      { label: 'Del (setup)', keys: 'delete' },
      { label: 'F12 (boot menu)', keys: 'f12' },
      { label: 'F11 (boot menu)', keys: 'f11' },
      { label: 'F10', keys: 'f10' },
      { label: 'F8 (safe mode)', keys: 'f8' },
      { label: 'Esc', keys: 'esc' },
    ],
  },
  {
    name: 'Editing and locks',
    combos: [
      { label: 'Copy (Ctrl+C)', keys: 'ctrl+c' },
      { label: 'Paste (Ctrl+V)', keys: 'ctrl+v' },
      { label: 'Undo (Ctrl+Z)', keys: 'ctrl+z' },
      { label: 'Select all (Ctrl+A)', keys: 'ctrl+a' },
      { label: 'Caps Lock', keys: 'capslock' },
      { label: 'Num Lock', keys: 'numlock' },
    ],
  },
]);

/** Every combination once (tests, docs). */
export const ALL_COMBOS = Object.freeze([...AT_HAND, ...MENUS.flatMap((m) => m.combos)]);
