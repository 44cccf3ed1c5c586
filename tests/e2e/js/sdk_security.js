'use strict';
// First admin, roles, profiles, users and rights through the official SDK, over WebSocket or
// Http, against a fresh server.
// usage: node sdk_security.js <port> <ws|http>
// Every call goes through settle(): the report holds {ok, value} or {ok: false, error}
// for each step, and the Python side asserts on them.
const { Kuzzle, WebSocket, Http } = require('kuzzle-sdk');
const { args, finish, guard, settle } = require('./common');

const { port, rest } = args();
const [protocol] = rest;
const state = { protocol };
guard(25000, state);

const PASSWORD = 'An0ther-s3cret';

async function client() {
  const transport =
    protocol === 'http'
      ? new Http('127.0.0.1', { port })
      : new WebSocket('127.0.0.1', { port, autoReconnect: false });
  const kuzzle = new Kuzzle(transport, { autoResubscribe: false });
  await kuzzle.connect();
  return kuzzle;
}

// SDK objects, as plain values for the report.
function user(u) {
  return { _id: u._id, content: u.content, profileIds: u.profileIds };
}
function role(r) {
  return { _id: r._id, controllers: r.controllers };
}
function profile(p) {
  return { _id: p._id, policies: p.policies, rateLimit: p.rateLimit };
}

async function map(promise, f) {
  const outcome = await settle(promise);
  if (outcome.ok) outcome.value = f(outcome.value);
  return outcome;
}

async function main() {
  const r = { steps: [] };
  const admin = await client();
  state.step = 'first admin';
  r.adminExistsBefore = await settle(admin.server.adminExists());
  r.firstAdmin = await map(
    admin.security.createFirstAdmin(
      'boss',
      {
        content: { name: 'Boss' },
        credentials: { local: { username: 'boss', password: PASSWORD } },
      },
      { reset: true },
    ),
    user,
  );
  // Anonymous, once the rights are restricted.
  r.anonymousIndexCreate = await settle(admin.index.create('shop'));
  r.anonymousAdminExists = await settle(admin.server.adminExists());
  r.anonymousCheckToken = await settle(admin.auth.checkToken());

  state.step = 'admin login';
  // Logins are limited per connection and second: the failed one on its own connection.
  const stranger = await client();
  r.badLogin = await settle(stranger.auth.login('local', { username: 'boss', password: 'nope' }));
  r.login = await settle(admin.auth.login('local', { username: 'boss', password: PASSWORD }));
  r.authenticated = admin.authenticated;
  r.adminExistsAfter = await settle(admin.server.adminExists());
  r.currentUser = await map(admin.auth.getCurrentUser(), user);
  r.firstAdminAgain = await settle(
    admin.security.createFirstAdmin('other', {
      credentials: { local: { username: 'other', password: PASSWORD } },
    }),
  );

  state.step = 'roles, profiles, users';
  const readerRole = {
    controllers: {
      auth: { actions: { login: true, checkToken: true, getCurrentUser: true, logout: true } },
      document: { actions: { get: true, search: true } },
    },
  };
  r.createRole = await map(admin.security.createRole('reader', readerRole), role);
  r.createRoleAgain = await settle(admin.security.createRole('reader', readerRole));
  r.createOrReplaceRole = await map(
    admin.security.createOrReplaceRole('writer', {
      controllers: { document: { actions: { '*': true, delete: false } } },
    }),
    role,
  );
  r.badRole = await settle(
    admin.security.createRole('bad', { controllers: { nope: { actions: { '*': true } } } }),
  );
  r.getRole = await map(admin.security.getRole('reader'), role);
  r.createProfile = await map(
    admin.security.createProfile('readers', {
      policies: [{ roleId: 'reader', restrictedTo: [{ index: 'shop' }] }],
    }),
    profile,
  );
  r.createOrReplaceProfile = await map(
    admin.security.createOrReplaceProfile('writers', {
      policies: [{ roleId: 'reader' }, { roleId: 'writer', restrictedTo: [{ index: 'shop' }] }],
      rateLimit: 50,
    }),
    profile,
  );
  r.badProfile = await settle(
    admin.security.createProfile('bad', { policies: [{ roleId: 'missing' }] }),
  );
  r.getProfile = await map(admin.security.getProfile('readers'), profile);
  r.createUser = await map(
    admin.security.createUser('ann', {
      content: { profileIds: ['readers'], name: 'Ann' },
      credentials: { local: { username: 'ann', password: PASSWORD } },
    }),
    user,
  );
  r.createWriter = await map(
    admin.security.createUser('will', {
      content: { profileIds: ['writers'] },
      credentials: { local: { username: 'will', password: PASSWORD } },
    }),
    user,
  );
  r.createUserAgain = await settle(
    admin.security.createUser('ann', { content: { profileIds: ['readers'] } }),
  );
  r.getUser = await map(admin.security.getUser('ann'), user);
  r.searchUsers = await settle(
    admin.security
      .searchUsers({ query: { term: { profileIds: 'readers' } } })
      .then((result) => ({ total: result.total, ids: result.hits.map((u) => u._id) })),
  );

  state.step = 'data';
  await admin.index.create('shop');
  await admin.collection.create('shop', 'items');
  await admin.index.create('other');
  await admin.collection.create('other', 'items');
  await admin.document.create('shop', 'items', { n: 1 }, 'd1', { refresh: 'wait_for' });

  state.step = 'restricted users';
  const ann = await client();
  r.annLogin = await settle(ann.auth.login('local', { username: 'ann', password: PASSWORD }));
  r.annGet = await settle(ann.document.get('shop', 'items', 'd1').then((d) => d._source.n));
  r.annCreate = await settle(ann.document.create('shop', 'items', { n: 2 }));
  r.annIndexCreate = await settle(ann.index.create('mine'));
  r.annOtherIndex = await settle(ann.document.get('other', 'items', 'd1'));
  const will = await client();
  r.willLogin = await settle(will.auth.login('local', { username: 'will', password: PASSWORD }));
  r.willCreate = await settle(
    will.document.create('shop', 'items', { n: 3 }, 'd3').then((d) => d._id),
  );
  r.willCreateOther = await settle(will.document.create('other', 'items', { n: 3 }));
  r.willDelete = await settle(will.document.delete('shop', 'items', 'd3'));

  state.step = 'cleanup';
  r.deleteUser = await settle(admin.security.deleteUser('ann'));
  r.annAfterDelete = await settle(ann.document.get('shop', 'items', 'd1'));
  const late = await client();
  r.annLoginAfterDelete = await settle(
    late.auth.login('local', { username: 'ann', password: PASSWORD }),
  );
  r.deleteProfileInUse = await settle(admin.security.deleteProfile('writers'));
  r.deleteRoleInUse = await settle(admin.security.deleteRole('writer'));
  r.deleteProtected = await settle(admin.security.deleteRole('admin'));

  for (const k of [admin, stranger, late, ann, will]) k.disconnect();
  return r;
}

main().then(
  (report) => finish(report),
  (error) => finish({ error: String(error && error.stack), state }, 1),
);
