// SPDX-License-Identifier: MIT
// icons.js — the page's icons, from Lucide (lucide-static on npm), inlined
// into the bundle as SVG text by the build (esbuild's text loader).
/*! Lucide icons (lucide-static) — ISC License, Copyright (c) Lucide Contributors */

import keyboard from 'lucide-static/icons/keyboard.svg';
import send from 'lucide-static/icons/send.svg';
import logOut from 'lucide-static/icons/log-out.svg';
import circleCheck from 'lucide-static/icons/circle-check.svg';
import circleX from 'lucide-static/icons/circle-x.svg';
import circleSlash from 'lucide-static/icons/circle-slash.svg';
import wifiOff from 'lucide-static/icons/wifi-off.svg';
import unplug from 'lucide-static/icons/unplug.svg';
import search from 'lucide-static/icons/search.svg';
import users from 'lucide-static/icons/users.svg';
import mapPin from 'lucide-static/icons/map-pin.svg';
import triangleAlert from 'lucide-static/icons/triangle-alert.svg';
import clipboardType from 'lucide-static/icons/clipboard-type.svg';
import command from 'lucide-static/icons/command.svg';
import list from 'lucide-static/icons/list.svg';
import x from 'lucide-static/icons/x.svg';
import play from 'lucide-static/icons/play.svg';
import plus from 'lucide-static/icons/plus.svg';
import pencil from 'lucide-static/icons/pencil.svg';
import trash from 'lucide-static/icons/trash-2.svg';
import loader from 'lucide-static/icons/loader.svg';
import clock from 'lucide-static/icons/clock.svg';
import monitor from 'lucide-static/icons/monitor.svg';
import lock from 'lucide-static/icons/lock.svg';
import keyboardOff from 'lucide-static/icons/keyboard-off.svg';
import history from 'lucide-static/icons/history.svg';
import info from 'lucide-static/icons/info.svg';
import chevronDown from 'lucide-static/icons/chevron-down.svg';
import textCursor from 'lucide-static/icons/text-cursor-input.svg';

const SVG = {
  keyboard, send, logOut, circleCheck, circleX, circleSlash, wifiOff, unplug, search, users,
  mapPin, triangleAlert, clipboardType, command, list, x, play, plus, pencil, trash, loader,
  clock, monitor, lock, keyboardOff, history, info, chevronDown, textCursor,
};

const parsed = new Map();

/** A new <svg class="icon"> for name, hidden from assistive technology. */
export function icon(name, cls = '') {
  let tpl = parsed.get(name);
  if (!tpl) {
    const src = SVG[name];
    if (!src) throw new Error(`no icon ${name}`);
    tpl = document.createElement('template');
    tpl.innerHTML = src.replace(/<!--[\s\S]*?-->/g, '').trim();
    parsed.set(name, tpl);
  }
  const svg = tpl.content.firstElementChild.cloneNode(true);
  svg.setAttribute('class', `icon${cls ? ` ${cls}` : ''}`);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  return svg;
}

/** Put icons into every element that has data-icon="name" (static markup). */
export function fillIcons(root = document) {
  for (const e of root.querySelectorAll('[data-icon]')) {
    e.prepend(icon(e.dataset.icon));
    delete e.dataset.icon;
  }
}
