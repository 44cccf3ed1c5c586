'use strict';
// Server heartbeat and idle timeout, seen from a raw `ws` client.
// usage: node ws_liveness.js <port> <case> [<seconds>]
//   no-pong      never answer PINGs (autoPong false); report when the server closes
//   pong         answer PINGs; report whether still open after <seconds>
//   count-pings  count server PINGs for <seconds>, then send our own PING and await its PONG
//   silent       send one request, then nothing; report the close code and when it came
//   chatty       send a request every 400 ms; report whether still open after <seconds>
const WebSocket = require('ws');
const { args, delay, finish, guard } = require('./common');

const { port, rest } = args();
const [which, secondsText] = rest;
const seconds = parseFloat(secondsText || '3');
const state = { which, pings: [] };
guard(Math.max(10000, seconds * 1000 + 8000), state);

function open(options) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/`, options);
    socket.openedAt = Date.now();
    socket.closed = new Promise((r) =>
      socket.once('close', (code, reason) =>
        r({ code, reason: reason.toString(), at: Date.now() }),
      ),
    );
    socket.on('ping', () => state.pings.push(Date.now() - socket.openedAt));
    socket.once('open', () => {
      socket.openedAt = Date.now();
      resolve(socket);
    });
    socket.once('error', (error) => reject(error));
  });
}

// Wait for the close, or give up after `ms`: the close event or null.
function closedWithin(socket, ms) {
  return Promise.race([socket.closed, delay(ms).then(() => null)]);
}

const cases = {
  async 'no-pong'() {
    const socket = await open({ autoPong: false });
    const closed = await closedWithin(socket, seconds * 1000);
    return {
      closed: closed && { code: closed.code, after: closed.at - socket.openedAt },
      pings: state.pings,
    };
  },

  async pong() {
    const socket = await open({ autoPong: true });
    const closed = await closedWithin(socket, seconds * 1000);
    const stillOpen = socket.readyState === WebSocket.OPEN;
    socket.close();
    return { stillOpen, closed: closed && { code: closed.code }, pings: state.pings };
  },

  async 'count-pings'() {
    const socket = await open({ autoPong: true });
    const closed = await closedWithin(socket, seconds * 1000);
    const pingsBefore = state.pings.length;
    const pong = new Promise((resolve) => socket.once('pong', () => resolve(true)));
    socket.ping();
    const ponged = await Promise.race([pong, delay(2000).then(() => false)]);
    socket.close();
    return { pingsBefore, ponged, closed: closed && { code: closed.code } };
  },

  async silent() {
    const socket = await open({ autoPong: true });
    const answered = new Promise((resolve) => socket.once('message', () => resolve(Date.now())));
    socket.send(JSON.stringify({ controller: 'server', action: 'now', requestId: 'q' }));
    const sentAt = Date.now();
    const answeredAt = await answered;
    const closed = await closedWithin(socket, seconds * 1000);
    return {
      closed: closed && {
        code: closed.code,
        reason: closed.reason,
        afterSend: closed.at - sentAt,
        afterAnswer: closed.at - answeredAt,
      },
    };
  },

  async chatty() {
    const socket = await open({ autoPong: true });
    let answers = 0;
    socket.on('message', () => answers++);
    const timer = setInterval(
      () => socket.send(JSON.stringify({ controller: 'server', action: 'now' })),
      400,
    );
    const closed = await closedWithin(socket, seconds * 1000);
    clearInterval(timer);
    const stillOpen = socket.readyState === WebSocket.OPEN;
    socket.close();
    return { stillOpen, answers, closed: closed && { code: closed.code } };
  },
};

async function main() {
  if (!cases[which]) throw new Error(`unknown case ${which}`);
  finish(await cases[which]());
}

main().catch((error) => finish({ error: String(error && error.stack), state }, 1));
