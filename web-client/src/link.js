// SPDX-License-Identifier: MIT
// link.js — the one MQTT-over-WebSockets connection of the page: connect,
// reconnect by itself, say what state the link is in, publish commands.
//
// States: offline (not logged in, or the broker refused us) · connecting
// (first attempt) · connected · reconnecting (lost, retrying by itself).
// While not connected nothing is published: keystrokes queued now would be
// typed at some random later moment, which is worse than not at all.

import mqtt from 'mqtt';

export const LINK_STATES = Object.freeze(['offline', 'connecting', 'connected', 'reconnecting']);

const RECONNECT_MS = 2000;
const QUIET_MS = 120;
const MAX_WAIT_MS = 5000;

/** CONNACK codes that mean "stop retrying" (3.1.1 and v5). */
const FINAL = new Set([2, 4, 5, 133, 134, 135, 138, 140]);
/** CONNACK codes that mean "this broker does not speak this version". */
const WRONG_VERSION = new Set([1, 132]);

export class Link {
  #client = null;
  #state = 'offline';
  #error = '';
  #subs = [];
  #onState;
  #onMessage;
  #everConnected = false;
  #lastMessage = 0;
  #onDenied;
  #version = 5;
  #rollcall = null;

  /**
   * @param {object} o
   * @param {(state:string, error:string, code:?number) => void} o.onState
   *   code: the CONNACK reason code when the broker refused the login
   * @param {(topic:string, payload:Uint8Array, retained:boolean) => void} o.onMessage
   * @param {(topic:string, code:number) => void} [o.onDenied] the broker
   *   refused a publish (MQTT v5 reason code, e.g. 135 not authorised)
   */
  constructor({ onState, onMessage, onDenied = () => {} }) {
    this.#onState = onState;
    this.#onMessage = onMessage;
    this.#onDenied = onDenied;
  }

  /** The MQTT version spoken: 5, or 4 (3.1.1) with a broker that lacks 5. */
  get version() { return this.#version; }

  get state() { return this.#state; }

  get error() { return this.#error; }

  get connected() { return this.#state === 'connected'; }

  #set(state, error = this.#error, code = null) {
    if (state === this.#state && error === this.#error && code == null) return;
    this.#state = state;
    this.#error = error;
    this.#onState(state, error, code);
  }

  /**
   * Connect and keep connected until disconnect(). `subscriptions` are
   * (re)subscribed on every connect, in their order, one at a time, so
   * retained messages arrive again. MQTT v5 first (the
   * broker then says when its ACL refuses a publish); a broker that cannot
   * speak it gets 3.1.1 on the next attempt. `rollcall`: a topic published
   * (empty) once every subscription is in place, on every connect.
   */
  connect({ url, username, password, subscriptions, clientId, rollcall = null }) {
    this.disconnect();
    this.#subs = subscriptions;
    this.#rollcall = rollcall;
    this.#everConnected = false;
    this.#error = '';
    this.#version = 5;
    this.#set('connecting', '');
    let client;
    try {
      client = mqtt.connect(url, {
        protocolVersion: 5,
        username,
        password,
        clientId: clientId ?? `keymime-web-${Math.random().toString(16).slice(2, 10)}`,
        clean: true,
        keepalive: 20,
        connectTimeout: 8000,
        reconnectPeriod: RECONNECT_MS,
        resubscribe: false,         // we subscribe ourselves on each connect
        queueQoSZero: false,
      });
    } catch (e) {
      this.#set('offline', `cannot connect to ${url}: ${e.message}`);
      return;
    }
    this.#client = client;
    client.on('connect', () => this.#connected(client));
    client.on('reconnect', () => { if (this.#client === client) this.#set(this.#everConnected ? 'reconnecting' : 'connecting'); });
    client.on('close', () => this.#closed(client, url));
    client.on('disconnect', (packet) => this.#kicked(client, packet));
    client.on('error', (e) => this.#failed(client, e));
    client.on('message', (topic, payload, packet) => {
      if (this.#client !== client) return;
      this.#lastMessage = Date.now();
      this.#onMessage(topic, payload, !!packet.retain);
    });
  }

  #connected(client) {
    if (this.#client !== client) return;
    this.#everConnected = true;
    this.#set('connected', '');
    this.#subscribeInTurn(client, [...this.#subs]);
  }

  /**
   * Subscribe one filter at a time, each after the retained flood of the
   * previous one has drained. mosquitto queues all retained matches of a
   * SUBSCRIBE at once and drops what exceeds max_queued_messages (1000 by
   * default), so availability+status of 1000 devices in one go would lose
   * some. QoS 0: retained state is re-sent on every reconnect anyway.
   */
  #subscribeInTurn(client, subs) {
    if (this.#client !== client) return;
    if (subs.length === 0) { this.#callRoll(client); return; }
    const topic = subs.shift();
    client.subscribe(topic, { qos: 0 }, (err) => {
      // an error here is usually the link dropping mid-subscribe: the next
      // connect starts over, so only a refusal while connected is news
      if (this.#client !== client || this.#state !== 'connected') return;
      if (err) this.#set('connected', `subscribe ${topic} failed: ${err.message}`);
      this.#whenQuiet(client, () => this.#subscribeInTurn(client, subs));
    });
  }

  /**
   * Subscribed to everything: ask every agent for its state again (the
   * roll call topic), for brokers that keep retained messages from wildcard
   * subscriptions; the answers come live. Not retained, QoS 0.
   */
  #callRoll(client) {
    if (this.#rollcall && this.#state === 'connected') {
      client.publish(this.#rollcall, '', { qos: 0, retain: false });
    }
  }

  /** Call fn once no message arrived for QUIET_MS (at most MAX_WAIT_MS). */
  #whenQuiet(client, fn) {
    const start = Date.now();
    const tick = () => {
      if (this.#client !== client || this.#state !== 'connected') return;
      if (Date.now() - this.#lastMessage >= QUIET_MS || Date.now() - start > MAX_WAIT_MS) fn();
      else setTimeout(tick, QUIET_MS / 2);
    };
    setTimeout(tick, QUIET_MS);
  }

  #closed(client, url) {
    if (this.#client !== client || this.#state === 'offline') return;
    // closed before any CONNACK: perhaps a broker that cannot parse v5
    if (!this.#everConnected) this.#fallBack(client);
    this.#set(this.#everConnected ? 'reconnecting' : 'connecting',
      this.#everConnected ? 'link lost' : `cannot reach ${url}, retrying`);
  }

  /** Speak 3.1.1 on the next attempt (before the first success only). */
  #fallBack(client) {
    if (this.#version !== 5 || this.#everConnected) return;
    this.#version = 4;
    client.options.protocolVersion = 4;
  }

  /** The broker sent DISCONNECT (v5): say why. */
  #kicked(client, packet) {
    if (this.#client !== client) return;
    const code = packet?.reasonCode;
    if (code) this.#error = `the broker disconnected the page (reason code ${code})`;
  }

  #failed(client, e) {
    if (this.#client !== client) return;
    const code = e?.code;
    if (WRONG_VERSION.has(code) && this.#version === 5) { this.#fallBack(client); return; }
    if (FINAL.has(code)) {
      // Retrying a refused login only locks the account up; stop here.
      this.disconnect();
      this.#set('offline', '', code);
      return;
    }
    this.#error = e?.message || String(e);
  }

  /** Stop and forget the connection. */
  disconnect() {
    const c = this.#client;
    this.#client = null;
    if (c) c.end(true);
    this.#set('offline', '');
  }

  /**
   * Publish a JSON command with QoS 1. Returns false (and sends nothing)
   * when the link is not connected.
   */
  publish(topic, obj) {
    return this.publishMany([topic], obj);
  }

  /** Publish many messages at once (one per device). */
  publishMany(topics, obj) {
    const client = this.#client;
    if (!this.connected || !client) return false;
    const body = JSON.stringify(obj);
    for (const t of topics) {
      client.publish(t, body, { qos: 1, retain: false }, (err) => {
        const code = err?.code ?? err?.reasonCode;
        if (err && this.#client === client && typeof code === 'number' && code >= 0x80) this.#onDenied(t, code);
      });
    }
    return true;
  }
}
