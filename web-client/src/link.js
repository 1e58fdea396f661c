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

/** MQTT 3.1.1 CONNACK codes → plain words. */
function refusal(err) {
  switch (err?.code) {
    case 4: case 134: return 'the broker refused the username or password';
    case 5: case 135: return 'this user is not allowed to connect';
    case 2: case 133: return 'the broker refused the client id';
    case 3: case 136: return 'the broker is unavailable';
    default: return null;
  }
}

export class Link {
  #client = null;
  #state = 'offline';
  #error = '';
  #subs = [];
  #onState;
  #onMessage;
  #everConnected = false;

  /**
   * @param {object} o
   * @param {(state:string, error:string) => void} o.onState
   * @param {(topic:string, payload:Uint8Array, retained:boolean) => void} o.onMessage
   */
  constructor({ onState, onMessage }) {
    this.#onState = onState;
    this.#onMessage = onMessage;
  }

  get state() { return this.#state; }

  get error() { return this.#error; }

  get connected() { return this.#state === 'connected'; }

  #set(state, error = this.#error) {
    if (state === this.#state && error === this.#error) return;
    this.#state = state;
    this.#error = error;
    this.#onState(state, error);
  }

  /**
   * Connect and keep connected until disconnect(). `subscriptions` are
   * (re)subscribed on every connect, so retained messages arrive again.
   */
  connect({ url, username, password, subscriptions, clientId }) {
    this.disconnect();
    this.#subs = subscriptions;
    this.#everConnected = false;
    this.#error = '';
    this.#set('connecting', '');
    let client;
    try {
      client = mqtt.connect(url, {
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
    client.on('error', (e) => this.#failed(client, e));
    client.on('message', (topic, payload, packet) => {
      if (this.#client === client) this.#onMessage(topic, payload, !!packet.retain);
    });
  }

  #connected(client) {
    if (this.#client !== client) return;
    this.#everConnected = true;
    client.subscribe(this.#subs.map((t) => ({ [t]: { qos: 1 } })).reduce((a, b) => ({ ...a, ...b }), {}), (err) => {
      if (err && this.#client === client) this.#set('connected', `subscribe failed: ${err.message}`);
    });
    this.#set('connected', '');
  }

  #closed(client, url) {
    if (this.#client !== client || this.#state === 'offline') return;
    this.#set(this.#everConnected ? 'reconnecting' : 'connecting',
      this.#everConnected ? 'link lost, reconnecting' : `cannot reach ${url}, retrying`);
  }

  #failed(client, e) {
    if (this.#client !== client) return;
    const why = refusal(e);
    if (why) {
      // Retrying a refused login only locks the account up; stop here.
      this.disconnect();
      this.#set('offline', why);
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
    if (!this.connected || !this.#client) return false;
    this.#client.publish(topic, JSON.stringify(obj), { qos: 1, retain: false });
    return true;
  }

  /** Publish many messages at once (one per device). */
  publishMany(topics, obj) {
    if (!this.connected || !this.#client) return false;
    const body = JSON.stringify(obj);
    for (const t of topics) this.#client.publish(t, body, { qos: 1, retain: false });
    return true;
  }
}
