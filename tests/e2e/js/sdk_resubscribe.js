'use strict';
// The SDK resubscribes after the server drops its socket, under the same roomId, and gets
// notifications again. usage: node sdk_resubscribe.js <port>
// The server runs with idleTimeout 2500 ms: A pings rarely (so it is closed when silent),
// B pings every 2 s (so it stays).
const { Kuzzle, WebSocket } = require('kuzzle-sdk');
const { args, finish, guard } = require('./common');
const { waitFor } = require('./sdk_realtime_lib');

const { port } = args();
const state = { events: [] };
guard(20000, state);

async function main() {
  const a = new Kuzzle(new WebSocket('127.0.0.1', { port, pingInterval: 60000 }));
  const b = new Kuzzle(new WebSocket('127.0.0.1', { port }));
  const received = [];
  let reconnected = false;
  a.on('networkError', (error) => state.events.push({ name: 'networkError', message: String(error && error.message) }));
  a.on('reconnected', () => {
    reconnected = true;
    state.events.push({ name: 'reconnected' });
  });
  await a.connect();
  await b.connect();
  const roomId = await a.realtime.subscribe('idx', 'col', { equals: { status: 'paid' } }, (n) => received.push(n));
  await waitFor(() => reconnected, 8000, 'the reconnection');
  // The SDK resubscribes by itself right after reconnecting: wait until the room has A again
  // (quickly: A is closed again after 2.5 s of silence).
  for (let i = 0; i < 100 && state.count !== 1; i++) {
    state.count = await b.realtime.count(roomId);
  }
  await b.realtime.publish('idx', 'col', { status: 'paid', after: 'reconnect' });
  await waitFor(() => received.length > 0, 2000, 'the notification').catch(() => null);
  const countAfter = await b.realtime.count(roomId);
  a.disconnect();
  b.disconnect();
  finish({ roomId, countAfter, received: received.map((n) => n.result._source), events: state.events });
}

main().catch((error) => finish({ error: String(error && error.stack), state }, 1));
