'use strict';
// A message over maxRequestSize closes that socket (1009) and no other.
// usage: node ws_oversize.js <port> <size in bytes>
const WebSocket = require('ws');
const { args, delay, finish, guard } = require('./common');

const { port, rest } = args();
const size = parseInt(rest[0], 10);
const state = {};
guard(10000, state);

function open() {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/`);
    socket.closed = new Promise((r) =>
      socket.once('close', (code, reason) => r({ code, reason: reason.toString() })),
    );
    socket.once('open', () => resolve(socket));
    socket.once('error', (error) => reject(error));
  });
}

function answer(socket, request) {
  return new Promise((resolve) => {
    socket.once('message', (data) => resolve(JSON.parse(data.toString())));
    socket.send(JSON.stringify(request));
  });
}

async function main() {
  const big = await open();
  const other = await open();
  big.on('error', () => {}); // a 1009 close may come with a socket error
  const request = { controller: 'server', action: 'now', requestId: 'big', body: {} };
  request.body.padding = 'x'.repeat(size);
  big.send(JSON.stringify(request));
  const closed = await Promise.race([big.closed, delay(5000).then(() => null)]);
  const response = await answer(other, { controller: 'server', action: 'now', requestId: 'o' });
  other.close();
  await delay(50);
  finish({ closed, otherResponse: response });
}

main().catch((error) => finish({ error: String(error && error.stack), state }, 1));
