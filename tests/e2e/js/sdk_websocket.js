'use strict';
// The official SDK over WebSocket: connect, a few server calls, API errors, disconnect.
// usage: node sdk_websocket.js <port>
const { Kuzzle, WebSocket } = require('kuzzle-sdk');
const { args, delay, finish, guard, settle } = require('./common');

const { port } = args();
const state = { events: [], sent: [], ownCheckToken: null };
guard(10000, state);

async function main() {
  const protocol = new WebSocket('127.0.0.1', { port, autoReconnect: false });
  // Record what the SDK sends, and the answer to the auth:checkToken it sends on its own.
  const send = protocol.send.bind(protocol);
  protocol.send = (request, options) => {
    state.sent.push(`${request.controller}:${request.action}`);
    if (request.controller === 'auth' && request.action === 'checkToken' && !state.ownRequest) {
      state.ownRequest = request.requestId;
      protocol.once(request.requestId, (response) => {
        state.ownCheckToken = response;
      });
    }
    return send(request, options);
  };
  const kuzzle = new Kuzzle(protocol);
  for (const name of ['connected', 'disconnected', 'networkError', 'discarded', 'queryError']) {
    kuzzle.on(name, () => state.events.push(name));
  }

  await kuzzle.connect();
  const connectedAfterConnect = kuzzle.connected;
  const before = Date.now();
  const now = await kuzzle.server.now();
  const after = Date.now();
  const info = await kuzzle.server.info();
  const check = await kuzzle.auth.checkToken();
  // Let the SDK's own checkToken (sent on "connected") be answered.
  for (let i = 0; i < 50 && state.ownCheckToken === null; i++) {
    await delay(50);
  }
  const eventsBeforeErrors = state.events.slice();
  const badController = await settle(kuzzle.query({ controller: 'nope', action: 'x' }));
  const badAction = await settle(kuzzle.query({ controller: 'server', action: 'nope' }));
  // The SDK drops its listeners when it disconnects: watch its `ws` socket instead.
  const socket = protocol.client;
  const closed = new Promise((resolve) => socket.once('close', (code) => resolve({ code })));
  kuzzle.disconnect();
  const socketClosed = await Promise.race([closed, delay(3000).then(() => null)]);
  finish({
    connectedAfterConnect,
    connectedAfterDisconnect: kuzzle.connected,
    socketClosed,
    now,
    before,
    after,
    version: info && info.serverInfo && info.serverInfo.kuzzle && info.serverInfo.kuzzle.version,
    check,
    badController,
    badAction,
    ownCheckToken: state.ownCheckToken,
    eventsBeforeErrors,
    sent: state.sent,
    events: state.events,
  });
}

main().catch((error) => finish({ error: String(error && error.stack), state }, 1));
