'use strict';
// Helpers for the document scripts: SDK clients over WebSocket or Http, subscriptions whose
// notifications go to a list, bounded waits, and the collection the scenarios work on.
const { Kuzzle, WebSocket, Http } = require('kuzzle-sdk');
const { delay } = require('./common');

const INDEX = 'shop';
const COLLECTION = 'items';
const MAPPINGS = {
  dynamic: 'false',
  _meta: { owner: 'e2e' },
  properties: {
    name: { type: 'keyword' },
    price: { type: 'integer' },
    n: { type: 'integer' },
    status: { type: 'keyword' },
    nested: { properties: { a: { type: 'keyword' } } },
  },
};

// protocol: "ws" or "http". WebSocket clients also record every notification frame their
// socket receives (`frames`), which is what the server sent, before the SDK filters anything.
async function client(port, protocol, name) {
  const transport =
    protocol === 'http'
      ? new Http('127.0.0.1', { port })
      : new WebSocket('127.0.0.1', { port, autoReconnect: false });
  const kuzzle = new Kuzzle(transport, { autoResubscribe: false });
  const c = { name, kuzzle, protocol: transport, frames: [], events: [] };
  for (const event of ['networkError', 'discarded', 'callbackError']) {
    kuzzle.on(event, (detail) => c.events.push({ event, detail: String(detail) }));
  }
  await kuzzle.connect();
  if (protocol !== 'http') {
    transport.client.on('message', (payload) => {
      let data;
      try {
        data = JSON.parse(payload.toString());
      } catch (error) {
        c.events.push({ event: 'badFrame', detail: payload.toString() });
        return;
      }
      if (data && data.type) c.frames.push(data);
    });
  }
  return c;
}

// Subscribe through the SDK; returns {roomId, channel, received}.
async function subscribe(c, index, collection, filters, options = {}) {
  const received = [];
  const roomId = await c.kuzzle.realtime.subscribe(
    index,
    collection,
    filters,
    (notification) => {
      received.push(notification);
    },
    options,
  );
  const rooms = c.kuzzle.realtime._subscriptions.get(roomId) || [];
  const room = rooms[rooms.length - 1];
  return { roomId, channel: room ? room.channel : null, received };
}

// Wait until predicate() is true, for at most `ms`; true if it came, false on timeout.
async function waitFor(predicate, ms) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() >= deadline) return false;
    await delay(20);
  }
  return true;
}

async function setup(kuzzle, mappings = MAPPINGS) {
  await kuzzle.index.create(INDEX);
  await kuzzle.collection.create(INDEX, COLLECTION, { mappings });
}

module.exports = { INDEX, COLLECTION, MAPPINGS, client, subscribe, waitFor, setup };
