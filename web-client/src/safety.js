// SPDX-License-Identifier: MIT
// safety.js — what to tell the user before a command goes to a selection:
// which devices are offline (they would never type it), which are busy, and
// whether the selection is large enough to ask first. Pure.

/** More devices than this (or a whole group) asks before sending. */
export const CONFIRM_OVER = 5;

/**
 * Look at a selection before sending. selection: {group, ids}; get(id) →
 * Device or undefined. Returns {count, online, offline, busy, group, confirm}
 * where online/offline/busy are id arrays and confirm says the user should
 * be asked (whole group, `all`, or more than CONFIRM_OVER devices).
 */
export function review(selection, get, threshold = CONFIRM_OVER) {
  const online = [];
  const offline = [];
  const busy = [];
  for (const id of selection.ids) {
    const d = get(id);
    if (d?.online === true) online.push(id); else offline.push(id);
    if (d?.busy) busy.push(id);
  }
  const count = selection.ids.length;
  return {
    count,
    online,
    offline,
    busy,
    group: selection.group,
    confirm: !!selection.group || count > threshold,
  };
}

/**
 * The question to ask, or null when the send can go at once: a warning
 * about offline devices, and/or the confirmation of a large send. `what`
 * names the command ("type 200 characters").
 */
export function question(r, what, label = (id) => id) {
  const names = (ids) => {
    const shown = ids.slice(0, 5).map(label).join(', ');
    return ids.length > 5 ? `${shown} and ${ids.length - 5} more` : shown;
  };
  if (r.offline.length === 0 && !r.confirm) return null;
  const lines = [];
  let title;
  if (r.group) {
    title = r.group === 'all' ? `Send to every device (${r.online.length} online)?` : `Send to group ${r.group} (${r.online.length} online)?`;
    lines.push(`This goes to the group topic: every ${r.group === 'all' ? 'device' : 'member'} that is online will ${what}, including any this page has not listed.`);
  } else if (r.confirm) {
    title = `Send to ${r.online.length} devices?`;
    lines.push(`${r.online.length} devices will ${what}.`);
  } else {
    title = r.online.length ? `${r.offline.length} of ${r.count} selected ${r.offline.length === 1 ? 'is' : 'are'} offline` : 'Every selected device is offline';
  }
  if (r.offline.length) {
    lines.push(`Offline, will not ${what}: ${names(r.offline)}.`);
  }
  if (r.busy.length) lines.push(`Busy (it will wait its turn): ${names(r.busy)}.`);
  const send = r.online.length === 0 ? null
    : r.group ? `Send to group ${r.group}`
      : r.offline.length ? `Send to the ${r.online.length} online` : `Send to ${r.online.length} devices`;
  return { title, lines, send };
}
