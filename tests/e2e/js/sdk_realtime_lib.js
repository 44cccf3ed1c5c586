'use strict';
// Helpers for the realtime scripts: SDK clients that also record every notification frame
// their socket receives (the SDK drops its listeners on unsubscribe and filters its own
// publications client-side, so what the server sent is only visible on the raw socket).
const { Kuzzle, WebSocket, Http } = require('kuzzle-sdk');
const { delay } = require('./common');

async function wsClient(port, name) {
  const protocol = new WebSocket('127.0.0.1', { port, autoReconnect: false });
  const kuzzle = new Kuzzle(protocol, { autoResubscribe: false });
  const client = { name, kuzzle, protocol, frames: [], events: [] };
  for (const event of ['networkError', 'discarded', 'queryError', 'callbackError']) {
    kuzzle.on(event, (detail) => client.events.push({ event, detail: String(detail) }));
  }
  await kuzzle.connect();
  // Notification frames only (they have a `type`); responses have none.
  protocol.client.on('message', (payload) => {
    let data;
    try {
      data = JSON.parse(payload.toString());
    } catch (error) {
      client.events.push({ event: 'badFrame', detail: payload.toString() });
      return;
    }
    if (data && data.type) client.frames.push(data);
  });
  return client;
}

async function httpClient(port, name) {
  const protocol = new Http('127.0.0.1', { port });
  const kuzzle = new Kuzzle(protocol);
  await kuzzle.connect();
  return { name, kuzzle, protocol, frames: [], events: [] };
}

// Subscribe through the SDK; the callback's notifications go to a list. Returns
// {roomId, channel, received} (the channel is what the SDK listens on).
async function subscribe(client, index, collection, filters, options = {}) {
  const received = [];
  const roomId = await client.kuzzle.realtime.subscribe(
    index,
    collection,
    filters,
    (notification) => {
      received.push(notification);
    },
    options,
  );
  const rooms = client.kuzzle.realtime._subscriptions.get(roomId) || [];
  const room = rooms[rooms.length - 1];
  return { roomId, channel: room ? room.channel : null, received };
}

async function waitFor(predicate, ms, what) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() >= deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await delay(20);
  }
}

// A fence: `publisher` publishes a marker on a collection `watcher` subscribed to (see
// fenceRoom); once the marker's notification is in, every notification of the earlier
// publications has been sent too. Then wait `grace` ms more for stragglers.
async function fenceRoom(watcher) {
  return subscribe(watcher, 'fence', 'fence', {});
}

let fences = 0;
async function fence(publisher, room, grace = 300) {
  fences += 1;
  const marker = fences;
  await publisher.kuzzle.realtime.publish('fence', 'fence', { marker });
  await waitFor(
    () => room.received.some((n) => n.result && n.result._source.marker === marker),
    5000,
    `fence ${marker}`,
  );
  await delay(grace);
}

// The parts of a notification the tests look at.
function brief(notification) {
  const copy = JSON.parse(JSON.stringify(notification));
  return copy;
}

module.exports = { wsClient, httpClient, subscribe, waitFor, fenceRoom, fence, brief };
