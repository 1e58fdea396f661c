// SPDX-License-Identifier: MIT
// dispatch.js — sends one command to a target (see Selection.target): one
// publish to the group topic for a group, else one publish per device; and
// records it in the per-device log so results can be matched by id.

export class Dispatcher {
  #link;
  #topics;
  #selection;
  #log;

  /**
   * All borrowed: link (Link), topics () => Topics, selection (Selection),
   * log (CommandLog).
   */
  constructor({ link, topics, selection, log }) {
    this.#link = link;
    this.#topics = topics;
    this.#selection = selection;
    this.#log = log;
  }

  /** Why nothing can be sent to t (default: the selection), or null. */
  blocked(t = this.#selection.target()) {
    if (!this.#link.connected) return 'not connected to the broker';
    if (!t.group && t.ids.length === 0) return 'no device selected';
    return null;
  }

  /**
   * Publish cmd to target t (default: the selection). Returns {ok:false,
   * reason} or {ok:true, devices}: the devices the log expects results from.
   * `log`: 'full' (an entry per device), 'live' (merged keystroke line) or 'none'.
   */
  send(cmd, { log = 'full', target = null } = {}) {
    const t = target ?? this.#selection.target();
    const reason = this.blocked(t);
    if (reason) return { ok: false, reason };
    const topics = this.#topics();
    const ok = t.group
      ? this.#link.publish(topics.groupCmd(t.group), cmd)
      : this.#link.publishMany(t.ids.map((id) => topics.deviceCmd(id)), cmd);
    if (!ok) return { ok: false, reason: 'not connected to the broker' };
    if (log === 'full') this.#log.sent(t.ids, cmd);
    else if (log === 'live') this.#log.live(t.ids, liveLabel(cmd));
    return { ok: true, devices: t.ids };
  }

  /**
   * Publish cmd to these devices, whatever is selected now (e.g. cancelling
   * a paste on the devices it went to). Same return as send().
   */
  sendToDevices(ids, cmd, { log = 'full' } = {}) {
    if (!this.#link.connected) return { ok: false, reason: 'not connected to the broker' };
    const topics = this.#topics();
    if (!this.#link.publishMany(ids.map((id) => topics.deviceCmd(id)), cmd)) {
      return { ok: false, reason: 'not connected to the broker' };
    }
    if (log === 'full') this.#log.sent(ids, cmd);
    return { ok: true, devices: [...ids] };
  }
}

function liveLabel(cmd) {
  if ('down' in cmd) return `${cmd.down}↓`;
  if ('up' in cmd) return `${cmd.up}↑`;
  if ('release_all' in cmd) return 'release-all';
  return JSON.stringify(cmd);
}
