'use strict';
// Connect, print {"event":"open"}, then report how the server closes the socket.
// usage: node ws_watch.js <port>
const WebSocket = require('ws');
const { args, emit, finish, guard } = require('./common');

const { port } = args();
const state = {};
guard(20000, state);

const socket = new WebSocket(`ws://127.0.0.1:${port}/`);
let openedAt = null;
socket.once('open', () => {
  openedAt = Date.now();
  socket.send(JSON.stringify({ controller: 'server', action: 'now', requestId: 'w' }));
});
socket.once('message', () => emit({ event: 'open' }));
socket.once('close', (code, reason) =>
  finish({ code, reason: reason.toString(), after: openedAt && Date.now() - openedAt }),
);
socket.once('error', (error) => {
  state.error = String(error);
});
