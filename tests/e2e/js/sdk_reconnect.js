'use strict';
// The official SDK reconnects after the server closes its socket (idle timeout, code 1001),
// then works again. usage: node sdk_reconnect.js <port>
const { Kuzzle, WebSocket } = require('kuzzle-sdk');
const { args, elapsed, finish, guard, settle } = require('./common');

const { port } = args();
const state = { events: [] };
guard(15000, state);

async function main() {
  // Pings far apart, so that they do not keep the socket alive.
  const protocol = new WebSocket('127.0.0.1', { port, pingInterval: 60000 });
  const kuzzle = new Kuzzle(protocol);
  let reconnected;
  const reconnectedOnce = new Promise((resolve) => {
    reconnected = resolve;
  });
  kuzzle.on('disconnected', (context) =>
    state.events.push({ name: 'disconnected', at: elapsed(), origin: context && context.origin }),
  );
  kuzzle.on('networkError', (error) =>
    state.events.push({ name: 'networkError', at: elapsed(), message: error && error.message }),
  );
  kuzzle.on('reconnected', () => {
    state.events.push({ name: 'reconnected', at: elapsed() });
    reconnected();
  });
  await kuzzle.connect();
  state.events.push({ name: 'connect', at: elapsed() });
  await reconnectedOnce;
  const now = await settle(kuzzle.server.now());
  kuzzle.disconnect();
  finish({ events: state.events, now });
}

main().catch((error) => finish({ error: String(error && error.stack), state }, 1));
