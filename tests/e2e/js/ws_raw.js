'use strict';
// Raw WebSocket behaviours, one case per run, with the `ws` package.
// usage: node ws_raw.js <port> <case>
//   now          connect, send server:now; or report the HTTP status if the upgrade is refused
//   app-ping     {"p":1} is answered by {"p":2}
//   control-ping a control PING gets a PONG
//   no-request-id  a request without requestId gets room == the generated requestId
//   lenient      unknown keys and null values are ignored
//   invalid-json invalid JSON gets an error frame, then the socket still works
//   subprotocol  an offered subprotocol is echoed
const WebSocket = require('ws');
const { args, delay, finish, guard } = require('./common');

const { port, rest } = args();
const [which] = rest;
const state = { which };
guard(10000, state);

// Open a socket and queue its messages, so that `next()` returns them in order.
function open(protocols) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/`, protocols);
    const queue = [];
    const waiting = [];
    socket.on('message', (data) => {
      const text = data.toString();
      if (waiting.length) waiting.shift()(text);
      else queue.push(text);
    });
    socket.next = () =>
      queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => waiting.push(r));
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (request, response) => {
      reject({ refused: response.statusCode });
      request.destroy();
    });
    socket.once('error', (error) => reject({ error: String(error) }));
  });
}

async function ask(socket, text) {
  socket.send(text);
  return socket.next();
}

const cases = {
  async now() {
    let socket;
    try {
      socket = await open();
    } catch (failure) {
      return { opened: false, ...failure };
    }
    const response = JSON.parse(
      await ask(socket, JSON.stringify({ controller: 'server', action: 'now', requestId: 'n1' })),
    );
    socket.close();
    return { opened: true, response };
  },

  async 'app-ping'() {
    const socket = await open();
    const answer = await ask(socket, '{"p":1}');
    // Then a request, to show that nothing else was sent in between.
    const next = await ask(socket, JSON.stringify({ controller: 'server', action: 'now' }));
    socket.close();
    return { answer, next: JSON.parse(next) };
  },

  async 'control-ping'() {
    const socket = await open();
    const pong = new Promise((resolve) => socket.once('pong', (data) => resolve(data.toString())));
    socket.ping('hello');
    const payload = await pong;
    socket.close();
    return { pong: payload };
  },

  async 'no-request-id'() {
    const socket = await open();
    const response = JSON.parse(
      await ask(socket, JSON.stringify({ controller: 'server', action: 'now' })),
    );
    socket.close();
    return { response };
  },

  async lenient() {
    const socket = await open();
    const request = {
      controller: 'server',
      action: 'now',
      requestId: 'lenient-1',
      jwt: null,
      volatile: null,
      body: null,
      index: null,
      collection: null,
      _id: null,
      someUnknownKey: { nested: [1, 2] },
      force: null,
      verb: 'POST',
    };
    const response = JSON.parse(await ask(socket, JSON.stringify(request)));
    socket.close();
    return { response };
  },

  async 'invalid-json'() {
    const socket = await open();
    const error = JSON.parse(await ask(socket, '{"controller": "server", oops'));
    const after = JSON.parse(
      await ask(socket, JSON.stringify({ controller: 'server', action: 'now', requestId: 'a1' })),
    );
    socket.close();
    return { error, after };
  },

  async subprotocol() {
    const socket = await open(['null']);
    const protocol = socket.protocol;
    const response = JSON.parse(
      await ask(socket, JSON.stringify({ controller: 'server', action: 'now', requestId: 's1' })),
    );
    socket.close();
    return { protocol, response };
  },
};

async function main() {
  if (!cases[which]) throw new Error(`unknown case ${which}`);
  const report = await cases[which]();
  await delay(50);
  finish(report);
}

main().catch((error) => finish({ error: String((error && error.stack) || JSON.stringify(error)), state }, 1));
