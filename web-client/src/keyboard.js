// SPDX-License-Identifier: MIT
// keyboard.js — live keyboard: browser key events become down/up commands,
// and every way of losing the keyboard (window blur, tab hidden, focus
// leaving the capture area, link loss) releases everything on the target.
//
// Invariant: a code is in #held exactly while its {"down"} has been sent and
// its {"up"} (or a release_all) has not. Auto-repeat keydowns are not sent:
// the agent holds the key, and the target host repeats it itself.

import { Cmd } from './protocol.js';

/** Ctrl+] leaves the capture area (like telnet's escape character). */
export const LEAVE_CHORD = Object.freeze({ code: 'BracketRight', ctrlKey: true });

/**
 * Decide what one KeyboardEvent means. Pure: `ev` only needs
 * {type, code, repeat, isComposing, ctrlKey, altKey, metaKey, shiftKey}.
 * Returns {action:'down'|'up'|'leave'|'ignore', code}.
 */
export function classifyKeyEvent(ev, held) {
  const code = ev.code;
  // IME composition and virtual keyboards (phones) carry no physical code.
  if (!code || code === 'Unidentified' || ev.isComposing) return { action: 'ignore', code };
  if (ev.type === 'keydown') {
    if (code === LEAVE_CHORD.code && ev.ctrlKey && !ev.altKey && !ev.metaKey) {
      return { action: 'leave', code };
    }
    if (held.has(code) || ev.repeat) return { action: 'ignore', code };
    return { action: 'down', code };
  }
  if (ev.type === 'keyup') {
    // A keyup for a key pressed before the capture area had focus: nothing
    // was sent for it, so nothing needs releasing.
    if (!held.has(code)) return { action: 'ignore', code };
    return { action: 'up', code };
  }
  return { action: 'ignore', code };
}

export class LiveKeyboard {
  #held = new Set();
  #sent = false;          // anything sent since the last release_all
  #send;
  #onChange;
  #onLeave;
  #el = null;
  #enabled = true;

  /**
   * @param {object} o
   * @param {(cmd:object) => boolean} o.send  publishes a command to the
   *   selection; returns false when it could not (link down, no target)
   * @param {(held:string[]) => void} [o.onChange] held keys changed
   * @param {() => void} [o.onLeave] the user pressed the leave chord
   */
  constructor({ send, onChange = () => {}, onLeave = () => {} }) {
    this.#send = send;
    this.#onChange = onChange;
    this.#onLeave = onLeave;
  }

  get held() { return [...this.#held]; }

  /** Enable or disable sending (e.g. while the link is down). */
  set enabled(v) { this.#enabled = !!v; }

  /**
   * Listen on a capture element (focusable) and on the window/document.
   * The element receives keys only while it has focus.
   */
  attach(el, win = globalThis.window, doc = globalThis.document) {
    this.#el = el;
    el.addEventListener('keydown', (e) => this.handle(e));
    el.addEventListener('keyup', (e) => this.handle(e));
    el.addEventListener('blur', () => this.releaseAll('focus left'));
    win.addEventListener('blur', () => this.releaseAll('window blur'));
    doc.addEventListener('visibilitychange', () => {
      if (doc.visibilityState === 'hidden') this.releaseAll('page hidden');
    });
  }

  /** Handle one KeyboardEvent from the capture element. */
  handle(ev) {
    const r = classifyKeyEvent(ev, this.#held);
    if (r.action === 'ignore') {
      if (ev.code && ev.code !== 'Unidentified') ev.preventDefault?.();
      return;
    }
    ev.preventDefault?.();
    ev.stopPropagation?.();
    if (r.action === 'leave') {
      this.releaseAll('leave');
      this.#onLeave();
      return;
    }
    if (!this.#enabled) return;
    const cmd = r.action === 'down' ? Cmd.down(r.code) : Cmd.up(r.code);
    if (!this.#send(cmd)) return;
    this.#sent = true;
    if (r.action === 'down') this.#held.add(r.code); else this.#held.delete(r.code);
    this.#onChange(this.held);
  }

  /**
   * Release everything on the target, if anything was sent since the last
   * release (or always, with force). Always forgets the local held set.
   */
  releaseAll(_reason = '', force = false) {
    const had = force || this.#sent || this.#held.size > 0;
    this.#held.clear();
    if (had && this.#enabled && this.#send(Cmd.releaseAll())) this.#sent = false;
    this.#onChange(this.held);
  }

  /**
   * The link went down: nothing can be sent now, so forget the held keys
   * and remember to release them once the link is back (the agent's hold
   * timeout releases them meanwhile).
   */
  linkLost() {
    if (this.#held.size > 0) this.#sent = true;
    this.#held.clear();
    this.#onChange(this.held);
  }

  /** The link is back: send the release owed since linkLost(). */
  linkBack() {
    if (this.#sent && this.#send(Cmd.releaseAll())) this.#sent = false;
  }

  /** The selection is about to change: release on the old target first. */
  targetChanging() {
    this.releaseAll('target change');
  }

  /**
   * Full screen with the Keyboard Lock API, so that shortcuts the browser
   * would keep (Alt+Tab aside, which the OS owns) reach the page. Returns a
   * string saying what was possible.
   */
  async lockInFullscreen(el = this.#el) {
    if (!el?.requestFullscreen) return 'fullscreen not supported';
    await el.requestFullscreen({ navigationUI: 'hide' });
    el.focus();
    const kb = globalThis.navigator?.keyboard;
    if (!kb?.lock) return 'fullscreen (this browser cannot lock the keyboard)';
    try {
      await kb.lock();
      return 'fullscreen, keyboard locked (hold Esc to leave)';
    } catch {
      return 'fullscreen (keyboard lock refused)';
    }
  }

  /** Undo lockInFullscreen (call on fullscreenchange when leaving). */
  unlock() {
    globalThis.navigator?.keyboard?.unlock?.();
  }
}
