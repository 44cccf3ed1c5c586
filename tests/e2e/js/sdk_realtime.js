'use strict';
// Realtime through the official SDK, with two or three clients in one process.
// usage: node sdk_realtime.js <port> <scenario>
// Scenarios: filter, self, rooms, users, unsubscribe, badfilter, http, operators.
const { args, delay, finish, guard, settle } = require('./common');
const { wsClient, httpClient, subscribe, waitFor, fenceRoom, fence } = require('./sdk_realtime_lib');

const { port, rest } = args();
const scenario = rest[0];
const state = { scenario };
guard(20000, state);

const PAID = { equals: { status: 'paid' } };

function frameCount(client, channel) {
  return client.frames.filter((frame) => frame.room === channel).length;
}

const scenarios = {
  // A subscribes to status=paid; B publishes a matching and a non-matching message.
  async filter() {
    const a = await wsClient(port, 'A');
    const b = await wsClient(port, 'B');
    const room = await subscribe(a, 'idx', 'col', PAID);
    const fenceA = await fenceRoom(a);
    const before = Date.now();
    const published = await b.kuzzle.realtime.publish('idx', 'col', { status: 'paid', n: 1 });
    const other = await b.kuzzle.realtime.publish('idx', 'col', { status: 'new' });
    const after = Date.now();
    await fence(b, fenceA);
    return {
      roomId: room.roomId,
      channel: room.channel,
      published,
      other,
      before,
      after,
      received: room.received,
      rawFrames: frameCount(a, room.channel),
      bInstance: b.protocol.id,
      aInstance: a.protocol.id,
      events: a.events.concat(b.events),
    };
  },

  // subscribeToSelf false vs the default, on two rooms of A, plus B watching the first one.
  async self() {
    const a = await wsClient(port, 'A');
    const b = await wsClient(port, 'B');
    const quiet = await subscribe(a, 'idx', 'col', { equals: { kind: 'x' } }, { subscribeToSelf: false });
    const loud = await subscribe(a, 'idx', 'col', { equals: { kind: 'y' } });
    const watcher = await subscribe(b, 'idx', 'col', { equals: { kind: 'x' } }, { subscribeToSelf: false });
    const fenceA = await fenceRoom(a);
    await a.kuzzle.realtime.publish('idx', 'col', { kind: 'x' });
    await a.kuzzle.realtime.publish('idx', 'col', { kind: 'y' });
    await fence(b, fenceA);
    await waitFor(() => watcher.received.length > 0, 3000, "B's notification").catch(() => null);
    return {
      quiet: quiet.received,
      quietFrames: frameCount(a, quiet.channel),
      loud: loud.received,
      watcher: watcher.received,
      aInstance: a.protocol.id,
    };
  },

  // Equivalent filters written differently share a room; count follows the connections.
  async rooms() {
    const a = await wsClient(port, 'A');
    const b = await wsClient(port, 'B');
    const first = await subscribe(a, 'idx', 'col', {
      and: [{ equals: { status: 'paid' } }, { range: { n: { gte: 1, lt: 5 } } }],
    });
    const second = await subscribe(b, 'idx', 'col', {
      and: [{ range: { n: { lt: 5, gte: 1 } } }, { and: [{ equals: { status: 'paid' } }] }],
    });
    const plain = await subscribe(a, 'idx', 'col', PAID);
    const wrapped = await subscribe(b, 'idx', 'col', { and: [PAID] });
    const countA = await a.kuzzle.realtime.count(first.roomId);
    const countB = await b.kuzzle.realtime.count(second.roomId);
    const countPlain = await a.kuzzle.realtime.count(plain.roomId);
    // A again on the same room: same id, still two connections.
    const again = await subscribe(a, 'idx', 'col', { and: [PAID] });
    const countAgain = await b.kuzzle.realtime.count(plain.roomId);
    const otherCollection = await subscribe(a, 'idx', 'other', PAID);
    const otherFilter = await subscribe(a, 'idx', 'col', { equals: { status: 'new' } });
    const countOther = await a.kuzzle.realtime.count(otherFilter.roomId);
    const countUnknown = await settle(a.kuzzle.realtime.count('no-such-room'));
    return {
      first: first.roomId,
      second: second.roomId,
      plain: plain.roomId,
      wrapped: wrapped.roomId,
      again: again.roomId,
      otherCollection: otherCollection.roomId,
      otherFilter: otherFilter.roomId,
      countA,
      countB,
      countPlain,
      countAgain,
      countOther,
      countUnknown,
    };
  },

  // users: "all" on A; B subscribes and unsubscribes, C subscribes and disconnects.
  async users() {
    const a = await wsClient(port, 'A');
    const b = await wsClient(port, 'B');
    const c = await wsClient(port, 'C');
    const room = await subscribe(a, 'idx', 'col', PAID, { users: 'all', volatile: { who: 'A' } });
    // A's own "in" may or may not come (Kuzzle picks the targets before adding A).
    const userNotes = () =>
      room.received.filter((n) => n.type === 'user' && !(n.volatile && n.volatile.who === 'A'));
    const bRoom = await subscribe(b, 'idx', 'col', PAID, { volatile: { who: 'B' } });
    await waitFor(() => userNotes().length >= 1, 3000, 'B in');
    const countIn = await a.kuzzle.realtime.count(room.roomId);
    await b.kuzzle.realtime.unsubscribe(bRoom.roomId);
    await waitFor(() => userNotes().length >= 2, 3000, 'B out');
    const countOut = await a.kuzzle.realtime.count(room.roomId);
    const cRoom = await subscribe(c, 'idx', 'col', PAID, { volatile: { who: 'C' } });
    await waitFor(() => userNotes().length >= 3, 3000, 'C in');
    // B subscribes again (users: none) and must not hear about C leaving.
    const bAgain = await subscribe(b, 'idx', 'col', PAID, { volatile: { who: 'B2' } });
    await waitFor(() => userNotes().length >= 4, 3000, 'B2 in');
    const socket = c.protocol.client;
    const closed = new Promise((resolve) => socket.once('close', resolve));
    c.kuzzle.disconnect();
    await closed;
    await waitFor(() => userNotes().length >= 5, 3000, 'C out (disconnect)');
    const countAfterDisconnect = await a.kuzzle.realtime.count(room.roomId);
    await delay(300);
    return {
      roomId: room.roomId,
      channel: room.channel,
      cRoomId: cRoom.roomId,
      notes: userNotes(),
      countIn,
      countOut,
      countAfterDisconnect,
      bUserFrames: b.frames.filter((f) => f.type === 'user').length,
      bChannel: bAgain.channel,
      events: a.events,
    };
  },

  // unsubscribe stops the server from sending (checked on the raw socket).
  async unsubscribe() {
    const a = await wsClient(port, 'A');
    const b = await wsClient(port, 'B');
    const room = await subscribe(a, 'idx', 'col', PAID);
    const fenceA = await fenceRoom(a);
    await b.kuzzle.realtime.publish('idx', 'col', { status: 'paid', n: 1 });
    await fence(b, fenceA, 0);
    const beforeUnsubscribe = frameCount(a, room.channel);
    const unsubscribed = await settle(a.kuzzle.realtime.unsubscribe(room.roomId));
    await b.kuzzle.realtime.publish('idx', 'col', { status: 'paid', n: 2 });
    await fence(b, fenceA, 500);
    const countAfter = await b.kuzzle.realtime.count(room.roomId);
    const again = await settle(
      a.kuzzle.query({ controller: 'realtime', action: 'unsubscribe', body: { roomId: room.roomId } }),
    );
    return {
      beforeUnsubscribe,
      afterUnsubscribe: frameCount(a, room.channel),
      callback: room.received.length,
      unsubscribed,
      countAfter,
      again,
    };
  },

  // Invalid filters and options reject; the connection keeps working.
  async badfilter() {
    const a = await wsClient(port, 'A');
    const nested = await settle(subscribe(a, 'idx', 'col', { equals: { a: { b: 1 } } }));
    const twoKeywords = await settle(
      subscribe(a, 'idx', 'col', { equals: { a: 1 }, exists: 'b' }),
    );
    const unknownKeyword = await settle(subscribe(a, 'idx', 'col', { nope: { a: 1 } }));
    const badScope = await settle(subscribe(a, 'idx', 'col', PAID, { scope: 'sideways' }));
    const badUsers = await settle(subscribe(a, 'idx', 'col', PAID, { users: 'everybody' }));
    const stillAlive = await settle(a.kuzzle.server.now());
    return { nested, twoKeywords, unknownKeyword, badScope, badUsers, stillAlive };
  },

  // An HTTP publisher reaches a WebSocket subscriber; the SDK cannot subscribe over HTTP.
  async http() {
    const a = await wsClient(port, 'A');
    const h = await httpClient(port, 'H');
    const room = await subscribe(a, 'idx', 'col', PAID);
    const published = await h.kuzzle.realtime.publish(
      'idx',
      'col',
      { status: 'paid', via: 'http' },
      { _id: 'msg-1' },
    );
    await waitFor(() => room.received.length >= 1, 3000, 'the HTTP publication');
    const fenceA = await fenceRoom(a);
    await fence(h, fenceA, 200);
    const subscribeOverHttp = await settle(
      h.kuzzle.realtime.subscribe('idx', 'col', PAID, () => {}),
    );
    return {
      channel: room.channel,
      published,
      received: room.received,
      hInstance: h.protocol.id,
      subscribeOverHttp,
    };
  },

  // Koncorde operators, one collection per operator so the filters cannot overlap.
  async operators() {
    const a = await wsClient(port, 'A');
    const b = await wsClient(port, 'B');
    const cases = {
      in: {
        filter: { in: { color: ['red', 'blue'] } },
        match: [{ color: 'blue' }],
        miss: [{ color: 'green' }, { color: ['blue'] }],
      },
      range: {
        filter: { range: { n: { gte: 10, lt: 20 } } },
        match: [{ n: 10 }, { n: 19.5 }],
        miss: [{ n: 20 }, { n: '15' }],
      },
      exists: {
        filter: { exists: 'meta.tag' },
        match: [{ meta: { tag: null } }],
        miss: [{ meta: { other: 1 } }],
      },
      regexp: {
        filter: { regexp: { name: { value: '^jo', flags: 'i' } } },
        match: [{ name: 'Johnny' }],
        miss: [{ name: 'ajo' }],
      },
      geoDistance: {
        filter: { geoDistance: { pos: { lat: 43.6, lon: 3.9 }, distance: '10km' } },
        match: [{ pos: { lat: 43.61, lon: 3.88 } }],
        miss: [{ pos: { lat: 48.85, lon: 2.35 } }],
      },
      not: {
        filter: { not: { equals: { status: 'new' } } },
        match: [{ status: 'paid' }],
        miss: [{ status: 'new' }],
      },
      bool: {
        filter: {
          bool: {
            must: [{ equals: { type: 'a' } }],
            must_not: [{ equals: { hidden: true } }],
            should: [{ range: { n: { gt: 5 } } }, { equals: { vip: true } }],
          },
        },
        match: [{ type: 'a', n: 6 }],
        miss: [{ type: 'a', vip: true, hidden: true }, { type: 'a', n: 1 }],
      },
    };
    const rooms = {};
    for (const [op, spec] of Object.entries(cases)) {
      rooms[op] = await subscribe(a, 'ops', op, spec.filter);
    }
    const fenceA = await fenceRoom(a);
    const expected = {};
    for (const [op, spec] of Object.entries(cases)) {
      expected[op] = [];
      for (const [kind, list] of [
        ['match', spec.match],
        ['miss', spec.miss],
      ]) {
        for (const [i, message] of list.entries()) {
          const tag = `${kind}${i}`;
          if (kind === 'match') expected[op].push(tag);
          await b.kuzzle.realtime.publish('ops', op, { ...message, tag });
        }
      }
    }
    await fence(b, fenceA);
    const received = {};
    for (const [op, room] of Object.entries(rooms)) {
      received[op] = room.received.map((n) => n.result._source.tag);
    }
    return { expected, received };
  },
};

async function main() {
  const run = scenarios[scenario];
  if (!run) throw new Error(`unknown scenario ${scenario}`);
  const report = await run();
  finish(report);
}

main().catch((error) => finish({ error: String(error && error.stack), state }, 1));
