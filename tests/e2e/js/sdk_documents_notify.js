'use strict';
// Document notifications: a WebSocket subscriber S, a writer W (WebSocket or Http) whose
// document writes S hears about.
// usage: node sdk_documents_notify.js <port> <ws|http> <scenario>
// Scenarios:
//   notify: each write of `STEPS` in turn; after each, wait (bounded) until both rooms
//           got what the step should give them; the report has every notification.
//   silent: silent writes, then a non-silent marker; once the marker is in (plus a grace
//           delay), nothing about the silent documents may have reached S's socket.
const { args, delay, finish, guard, settle } = require('./common');
const { INDEX, COLLECTION, client, subscribe, waitFor, setup } = require('./sdk_documents_lib');

const { port, rest } = args();
const [writerProtocol, scenario] = rest;
const state = { writerProtocol, scenario };
guard(25000, state);

const I = INDEX;
const C = COLLECTION;
const PRICEY = { range: { price: { gte: 10 } } };
const NEW = { equals: { status: 'new' } };
const STEP_WAIT = 3000;
const GRACE = 300;

// [name, write, notifications expected in PRICEY, in NEW]
const STEPS = [
  ['create', (D) => D.create(I, C, { name: 'd1', price: 15, status: 'new' }, 'd1'), 1, 1],
  ['cheaper', (D) => D.update(I, C, 'd1', { price: 5 }), 1, 1],
  ['pricier', (D) => D.update(I, C, 'd1', { price: 20 }), 1, 1],
  ['old', (D) => D.update(I, C, 'd1', { status: 'old' }), 1, 1],
  ['replace', (D) => D.replace(I, C, 'd1', { name: 'd1', price: 1, status: 'new' }), 1, 1],
  ['delete', (D) => D.delete(I, C, 'd1'), 0, 1],
  ['corNew', (D) => D.createOrReplace(I, C, 'd2', { price: 30, status: 'new' }), 1, 1],
  ['corOld', (D) => D.createOrReplace(I, C, 'd2', { price: 40, status: 'x' }), 1, 1],
  ['upsert', (D) => D.upsert(I, C, 'd3', { price: 11 }, { default: { status: 'new' } }), 1, 1],
  [
    'mCreate',
    (D) =>
      D.mCreate(I, C, [
        { _id: 'm1', body: { price: 12 } },
        { _id: 'm2', body: { price: 2, status: 'new' } },
      ]),
    1,
    1,
  ],
  [
    'mUpdate',
    (D) =>
      D.mUpdate(I, C, [
        { _id: 'm1', body: { price: 3 } },
        { _id: 'm2', body: { price: 13 } },
      ]),
    2,
    1,
  ],
  [
    'updateByQuery',
    (D) => D.updateByQuery(I, C, { ids: { values: ['d3'] } }, { price: 3 }, { refresh: 'wait_for' }),
    1,
    1,
  ],
  ['deleteFields', (D) => D.deleteFields(I, C, 'd3', ['status']), 0, 1],
  [
    'deleteByQuery',
    (D) => D.deleteByQuery(I, C, { query: { ids: { values: ['m1', 'm2'] } } }),
    1,
    1,
  ],
];

// What the Python side looks at in a notification.
function brief(n) {
  return {
    type: n.type,
    status: n.status,
    action: n.action,
    event: n.event,
    scope: n.scope,
    index: n.index,
    collection: n.collection,
    controller: n.controller,
    protocol: n.protocol,
    room: n.room,
    requestId: n.requestId,
    timestamp: n.timestamp,
    sdkInstanceId: n.volatile ? n.volatile.sdkInstanceId : undefined,
    _id: n.result ? n.result._id : undefined,
    _source: n.result ? n.result._source : undefined,
    _updatedFields: n.result ? n.result._updatedFields : undefined,
  };
}

async function rooms(s) {
  const pricey = await subscribe(s, I, C, PRICEY);
  const fresh = await subscribe(s, I, C, NEW);
  return { pricey, fresh };
}

const scenarios = {
  async notify(s, w) {
    const { pricey, fresh } = await rooms(s);
    const steps = [];
    let wantPricey = 0;
    let wantNew = 0;
    for (const [name, write, addPricey, addNew] of STEPS) {
      const before = Date.now();
      const outcome = await settle(write(w.kuzzle.document));
      wantPricey += addPricey;
      wantNew += addNew;
      const arrived = await waitFor(
        () => pricey.received.length >= wantPricey && fresh.received.length >= wantNew,
        STEP_WAIT,
      );
      steps.push({
        name,
        ok: outcome.ok,
        error: outcome.error,
        arrived,
        before,
        after: Date.now(),
        pricey: pricey.received.length,
        fresh: fresh.received.length,
      });
    }
    await delay(GRACE);
    return {
      steps,
      channels: { pricey: pricey.channel, fresh: fresh.channel },
      pricey: pricey.received.map(brief),
      fresh: fresh.received.map(brief),
      frames: s.frames.length,
      writer: w.protocol.id,
    };
  },

  async silent(s, w) {
    const { pricey, fresh } = await rooms(s);
    const D = w.kuzzle.document;
    const silent = { silent: true };
    const writes = {};
    writes.create = await settle(D.create(I, C, { price: 50, status: 'new' }, 's1', silent));
    writes.createOrReplace = await settle(
      D.createOrReplace(I, C, 's1', { price: 51, status: 'new' }, silent),
    );
    writes.replace = await settle(D.replace(I, C, 's1', { price: 52, status: 'new' }, silent));
    writes.update = await settle(D.update(I, C, 's1', { price: 5 }, silent));
    writes.upsert = await settle(D.upsert(I, C, 's1', { price: 60 }, silent));
    writes.deleteFields = await settle(D.deleteFields(I, C, 's1', ['price'], silent));
    writes.delete = await settle(D.delete(I, C, 's1', silent));
    writes.mCreate = await settle(
      D.mCreate(I, C, [{ _id: 's2', body: { price: 70, status: 'new' } }], silent),
    );
    writes.mUpdate = await settle(D.mUpdate(I, C, [{ _id: 's2', body: { price: 71 } }], silent));
    writes.mUpsert = await settle(
      D.mUpsert(I, C, [{ _id: 's3', changes: { price: 72, status: 'new' } }], silent),
    );
    writes.mCreateOrReplace = await settle(
      D.mCreateOrReplace(I, C, [{ _id: 's3', body: { price: 73, status: 'new' } }], silent),
    );
    writes.mReplace = await settle(
      D.mReplace(I, C, [{ _id: 's3', body: { price: 74, status: 'new' } }], silent),
    );
    writes.updateByQuery = await settle(
      D.updateByQuery(I, C, { ids: { values: ['s2', 's3'] } }, { price: 80 }, silent),
    );
    writes.mDelete = await settle(D.mDelete(I, C, ['s2'], silent));
    writes.deleteByQuery = await settle(
      D.deleteByQuery(I, C, { query: { ids: { values: ['s3'] } } }, silent),
    );
    // The marker: the first notification S may get, in both rooms.
    writes.marker = await settle(D.create(I, C, { price: 99, status: 'new' }, 'marker'));
    const markerArrived = await waitFor(
      () => pricey.received.length >= 1 && fresh.received.length >= 1,
      STEP_WAIT,
    );
    await delay(GRACE);
    return {
      writes,
      markerArrived,
      pricey: pricey.received.map(brief),
      fresh: fresh.received.map(brief),
      frames: s.frames.map(brief),
    };
  },
};

async function main() {
  const run = scenarios[scenario];
  if (!run) throw new Error(`unknown scenario ${scenario}`);
  const s = await client(port, 'ws', 'S');
  const w = await client(port, writerProtocol, 'W');
  await setup(w.kuzzle);
  const report = await run(s, w);
  report.events = s.events.concat(w.events);
  s.kuzzle.disconnect();
  w.kuzzle.disconnect();
  finish(report);
}

main().catch((error) => finish({ error: String(error && error.stack), state }, 1));
