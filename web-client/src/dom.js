// SPDX-License-Identifier: MIT
// dom.js — the few DOM helpers every view uses.

export const $ = (id) => document.getElementById(id);

/** createElement with a class and text. */
export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}

/** A button with an optional icon (an SVG element) and a label. */
export function button(label, { icon = null, cls = '', aria = null, title = null } = {}) {
  const b = el('button', cls);
  b.type = 'button';
  if (icon) b.append(icon);
  if (label) b.append(el('span', 'label', label));
  if (aria) b.setAttribute('aria-label', aria);
  if (title) b.title = title;
  return b;
}

/** "14:02:07" for a performance.now() or Date.now() time. */
export function clock(t, epoch = false) {
  const d = new Date(epoch ? t : performance.timeOrigin + t);
  return d.toLocaleTimeString([], { hour12: false });
}

/** "just now", "3 min ago", "2 h ago" for a Date.now() time. */
export function ago(t, now = Date.now()) {
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}
