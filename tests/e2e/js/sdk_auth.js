'use strict';
// Authentication through the official SDK: login, the token the SDK decodes, the caller's
// user and rights, checkToken, refreshToken, logout, and TokenExpired.
// usage: node sdk_auth.js <port> <scenario> <username> <password>
// Scenarios: session (WebSocket), http (Http protocol), expiry (WebSocket, token of 2 s),
// apikeys (API keys and createToken).
// Every call goes through settle(): the report holds {ok, value} or {ok: false, error}.
const { Kuzzle, WebSocket, Http } = require('kuzzle-sdk');
const { args, delay, finish, guard, settle } = require('./common');

const { port, rest } = args();
const [scenario, username, password] = rest;
const state = { scenario };
guard(25000, state);

async function connect(protocol) {
  const transport =
    protocol === 'http'
      ? new Http('127.0.0.1', { port })
      : new WebSocket('127.0.0.1', { port, autoReconnect: false });
  const kuzzle = new Kuzzle(transport, { autoResubscribe: false });
  const frames = [];
  await kuzzle.connect();
  if (protocol !== 'http') {
    // What the server sent that was not an answer: notifications, TokenExpired.
    transport.client.on('message', (payload) => {
      const data = JSON.parse(payload.toString());
      if (data && data.type) frames.push(data);
    });
  }
  return { kuzzle, frames };
}

// What the SDK decoded from the token it holds.
function tokenState(kuzzle) {
  const token = kuzzle.auth.authenticationToken;
  return {
    authenticated: kuzzle.authenticated,
    jwt: kuzzle.jwt,
    userId: token ? token.userId : null,
    expiresAt: token ? token.expiresAt : null,
  };
}

async function waitFor(predicate, ms) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() >= deadline) return false;
    await delay(20);
  }
  return true;
}

const scenarios = {
  async session(protocol = 'ws') {
    const { kuzzle } = await connect(protocol);
    const r = {};
    r.before = tokenState(kuzzle);
    r.anonymousCheck = await settle(kuzzle.auth.checkToken());
    r.wrongPassword = await settle(
      kuzzle.auth.login('local', { username, password: 'not-the-password' }),
    );
    r.unknownStrategy = await settle(kuzzle.auth.login('oauth', { username, password }));
    r.login = await settle(kuzzle.auth.login('local', { username, password }));
    r.afterLogin = tokenState(kuzzle);
    r.loginAt = Date.now();
    r.currentUser = await settle(
      kuzzle.auth.getCurrentUser().then((user) => ({ _id: user._id, _source: user._source })),
    );
    r.strategies = await settle(kuzzle.auth.getStrategies());
    r.rights = await settle(kuzzle.auth.getMyRights());
    r.checkValid = await settle(kuzzle.auth.checkToken(kuzzle.jwt));
    r.checkInvalid = await settle(kuzzle.auth.checkToken('kauth-not.a.token'));
    r.updateSelf = await settle(
      kuzzle.auth.updateSelf({ nickname: 'ally' }).then((user) => user._source),
    );
    r.credentials = await settle(kuzzle.auth.getMyCredentials('local'));
    const firstJwt = kuzzle.jwt;
    r.refresh = await settle(kuzzle.auth.refreshToken());
    r.afterRefresh = tokenState(kuzzle);
    r.firstJwt = firstJwt;
    // The refreshed token is still good during the grace period, then not.
    r.oldDuringGrace = await settle(kuzzle.auth.checkToken(firstJwt));
    await delay(1300);
    r.oldAfterGrace = await settle(kuzzle.auth.checkToken(firstJwt));
    r.userAfterRefresh = await settle(kuzzle.auth.getCurrentUser().then((user) => user._id));
    r.loggedOutJwt = kuzzle.jwt;
    r.logout = await settle(kuzzle.auth.logout());
    r.afterLogout = tokenState(kuzzle);
    r.checkLoggedOut = await settle(kuzzle.auth.checkToken(r.loggedOutJwt));
    r.anonymousUser = await settle(kuzzle.auth.getCurrentUser().then((user) => user._id));
    kuzzle.disconnect();
    return r;
  },

  async http() {
    return scenarios.session('http');
  },

  async expiry() {
    const { kuzzle, frames } = await connect('ws');
    const r = { expired: [] };
    kuzzle.on('tokenExpired', () => r.expired.push(Date.now()));
    r.login = await settle(kuzzle.auth.login('local', { username, password }, '2s'));
    r.afterLogin = tokenState(kuzzle);
    r.loginAt = Date.now();
    const received = [];
    r.subscribe = await settle(
      kuzzle.realtime.subscribe('shop', 'items', {}, (notification) => {
        received.push(notification.result._source);
      }),
    );
    await kuzzle.realtime.publish('shop', 'items', { n: 1 });
    r.beforeExpiry = await waitFor(() => received.length === 1, 3000);
    r.sawExpiry = await waitFor(() => r.expired.length > 0, 6000);
    r.expiredAfterMs = r.expired.length ? r.expired[0] - r.loginAt : null;
    r.frames = frames.filter((frame) => frame.type === 'TokenExpired');
    r.afterExpiry = tokenState(kuzzle);
    r.subscriptionsLeft = kuzzle.realtime._subscriptions.size;
    // The socket is still open, now anonymous; the room is gone on the server.
    r.anonymousUser = await settle(kuzzle.auth.getCurrentUser().then((user) => user._id));
    await kuzzle.realtime.publish('shop', 'items', { n: 2 });
    await delay(300);
    r.received = received;
    kuzzle.disconnect();
    return r;
  },

  // API keys and createToken: the key's token used by another client (setAPIKey), then
  // deleted; a single-use token over Http.
  async apikeys() {
    const { kuzzle } = await connect('ws');
    const r = {};
    r.login = await settle(kuzzle.auth.login('local', { username, password }));
    r.created = await settle(
      kuzzle.auth.createApiKey('sdk cron', { _id: 'sdk-key', refresh: 'wait_for' }),
    );
    r.search = await settle(kuzzle.auth.searchApiKeys({ match: { description: 'cron' } }));
    const token = r.created.ok ? r.created.value._source.token : 'kapikey-missing';
    const other = (await connect('ws')).kuzzle;
    other.setAPIKey(token);
    r.keyState = tokenState(other);
    r.keyUser = await settle(other.auth.getCurrentUser().then((user) => user._id));
    r.keyCheck = await settle(kuzzle.auth.checkToken(token));
    r.createToken = await settle(
      kuzzle
        .query({ controller: 'auth', action: 'createToken', singleUse: true, expiresIn: '10m' })
        .then((response) => response.result),
    );
    const http = (await connect('http')).kuzzle;
    http.jwt = r.createToken.ok ? r.createToken.value.token : null;
    r.singleFirst = await settle(http.auth.getCurrentUser().then((user) => user._id));
    r.singleSecond = await settle(http.auth.getCurrentUser().then((user) => user._id));
    r.deleted = await settle(kuzzle.auth.deleteApiKey('sdk-key'));
    r.keyAfterDelete = await settle(other.auth.getCurrentUser().then((user) => user._id));
    kuzzle.disconnect();
    other.disconnect();
    http.disconnect();
    return r;
  },
};

(async () => {
  const run = scenarios[scenario];
  if (!run) {
    finish({ error: `unknown scenario ${scenario}` }, 2);
    return;
  }
  finish(await run());
})().catch((error) => finish({ error: String(error && error.stack), state }, 1));
