'use strict';
// The official SDK over HTTP: route discovery through GET /_publicApi, server calls, errors.
// usage: node sdk_http.js <port>
const { Kuzzle, Http } = require('kuzzle-sdk');
const { args, finish, guard, settle } = require('./common');

const { port } = args();
const state = { events: [], warnings: [] };
guard(10000, state);

async function main() {
  // The SDK warns (3 lines) when it falls back to its bundled route table.
  const warn = console.warn;
  console.warn = (...parts) => {
    state.warnings.push(parts.join(' '));
    warn(...parts);
  };
  const protocol = new Http('127.0.0.1', { port });
  const kuzzle = new Kuzzle(protocol);
  for (const name of ['connected', 'networkError', 'discarded', 'queryError']) {
    kuzzle.on(name, () => state.events.push(name));
  }
  await kuzzle.connect();
  const routes = JSON.parse(JSON.stringify(protocol.routes));
  // The Http protocol only sends what it has a route for: "nope:x" and "server:nope" go
  // through POST /_query, whose body is the whole request.
  protocol.routes.nope = { x: { verb: 'POST', url: '/_query' } };
  protocol.routes.server.nope = { verb: 'POST', url: '/_query' };
  const before = Date.now();
  const now = await kuzzle.server.now();
  const after = Date.now();
  const info = await kuzzle.server.info();
  const check = await kuzzle.auth.checkToken();
  const eventsBeforeErrors = state.events.slice();
  const badController = await settle(
    kuzzle.query({ controller: 'nope', action: 'x', body: { controller: 'nope', action: 'x' } }),
  );
  const badAction = await settle(
    kuzzle.query({
      controller: 'server',
      action: 'nope',
      body: { controller: 'server', action: 'nope' },
    }),
  );
  // Without a route the SDK fails by itself, without asking the server.
  const unrouted = await settle(kuzzle.query({ controller: 'nope', action: 'y' }));
  kuzzle.disconnect();
  finish({
    routes,
    now,
    before,
    after,
    version: info && info.serverInfo && info.serverInfo.kuzzle && info.serverInfo.kuzzle.version,
    check,
    badController,
    badAction,
    unrouted,
    eventsBeforeErrors,
    warnings: state.warnings,
    events: state.events,
  });
}

main().catch((error) => finish({ error: String(error && error.stack), state }, 1));
