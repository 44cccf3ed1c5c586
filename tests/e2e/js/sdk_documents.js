'use strict';
// Indexes, collections and documents through the official SDK, over WebSocket or Http.
// usage: node sdk_documents.js <port> <ws|http> <scenario>
// Scenarios: indexes, collections, documents, multi, search, errors.
// Every call goes through settle(): the report holds {ok, value} or {ok: false, error}
// for each, and the Python side asserts on them.
const { args, finish, guard, settle } = require('./common');
const { INDEX, COLLECTION, MAPPINGS, client, setup } = require('./sdk_documents_lib');

const { port, rest } = args();
const [protocol, scenario] = rest;
const state = { protocol, scenario };
guard(25000, state);

const I = INDEX;
const C = COLLECTION;

// The whole `result` of a request the SDK methods reduce to `undefined`.
function raw(kuzzle, request) {
  return kuzzle.query(request).then((response) => response.result);
}

const scenarios = {
  async indexes(k) {
    const r = {};
    r.existsBefore = await settle(k.index.exists(I));
    r.create = await settle(k.index.create(I));
    r.createRaw = await settle(raw(k, { controller: 'index', action: 'create', index: 'other' }));
    r.createAgain = await settle(k.index.create(I));
    r.badName = await settle(k.index.create('Not_Lowercase'));
    r.existsAfter = await settle(k.index.exists(I));
    r.list = await settle(k.index.list());
    r.delete = await settle(k.index.delete(I));
    r.deleteRaw = await settle(raw(k, { controller: 'index', action: 'delete', index: 'other' }));
    r.existsDeleted = await settle(k.index.exists(I));
    r.listDeleted = await settle(k.index.list());
    r.deleteAgain = await settle(k.index.delete(I));
    return r;
  },

  async collections(k) {
    const r = {};
    await k.index.create(I);
    r.existsBefore = await settle(k.collection.exists(I, C));
    r.create = await settle(k.collection.create(I, C, { mappings: MAPPINGS }));
    r.createRaw = await settle(
      raw(k, {
        controller: 'collection',
        action: 'create',
        index: I,
        collection: 'plain',
        body: {},
      }),
    );
    r.existsAfter = await settle(k.collection.exists(I, C));
    r.existsUnknownIndex = await settle(k.collection.exists('nowhere', C));
    r.list = await settle(k.collection.list(I));
    r.getMapping = await settle(k.collection.getMapping(I, C));
    r.update = await settle(
      k.collection.update(I, C, { mappings: { properties: { color: { type: 'keyword' } } } }),
    );
    r.getMappingUpdated = await settle(k.collection.getMapping(I, C));
    r.badName = await settle(k.collection.create(I, 'Not_Lowercase', {}));
    r.listUnknownIndex = await settle(k.collection.list('nowhere'));
    r.getMappingUnknown = await settle(k.collection.getMapping(I, 'nothing'));
    // truncate: the documents go, the collection stays.
    await k.document.mCreate(
      I,
      C,
      [1, 2, 3].map((n) => ({ _id: `t${n}`, body: { n } })),
      { refresh: 'wait_for' },
    );
    r.countBeforeTruncate = await settle(k.document.count(I, C));
    r.truncate = await settle(k.collection.truncate(I, C));
    r.truncateRaw = await settle(
      raw(k, { controller: 'collection', action: 'truncate', index: I, collection: 'plain' }),
    );
    r.refresh = await settle(k.collection.refresh(I, C));
    r.countAfterTruncate = await settle(k.document.count(I, C));
    r.getTruncated = await settle(k.document.get(I, C, 't1'));
    r.existsAfterTruncate = await settle(k.collection.exists(I, C));
    r.delete = await settle(k.collection.delete(I, C));
    r.existsDeleted = await settle(k.collection.exists(I, C));
    r.listDeleted = await settle(k.collection.list(I));
    r.getDeletedCollection = await settle(k.document.get(I, C, 't1'));
    r.deleteAgain = await settle(k.collection.delete(I, C));
    return r;
  },

  async documents(k) {
    await setup(k);
    const r = { before: Date.now() };
    const D = k.document;
    r.create = await settle(
      D.create(I, C, { name: 'a', price: 5, status: 'new', nested: { a: 'x' } }, 'a'),
    );
    r.createAuto = await settle(D.create(I, C, { name: 'auto', price: 1 }));
    r.getAuto = r.createAuto.ok ? await settle(D.get(I, C, r.createAuto.value._id)) : null;
    r.createExisting = await settle(D.create(I, C, { name: 'again' }, 'a'));
    r.createOrReplaceNew = await settle(
      D.createOrReplace(I, C, 'b', { name: 'b', price: 3, status: 'new' }),
    );
    r.createOrReplaceOld = await settle(D.createOrReplace(I, C, 'b', { name: 'b2', price: 4 }));
    r.getB = await settle(D.get(I, C, 'b'));
    r.replace = await settle(D.replace(I, C, 'a', { name: 'a2', price: 7, nested: { a: 'y' } }));
    r.replaceMissing = await settle(D.replace(I, C, 'zz', { name: 'x' }));
    r.update = await settle(D.update(I, C, 'a', { status: 'old', nested: { b: 'z' } }));
    r.updateSource = await settle(D.update(I, C, 'a', { price: 8 }, { source: true }));
    r.updateMissing = await settle(D.update(I, C, 'zz', { price: 1 }));
    r.getA = await settle(D.get(I, C, 'a'));
    r.upsertNew = await settle(D.upsert(I, C, 'u', { price: 1 }, { default: { status: 'new' } }));
    r.upsertOld = await settle(
      D.upsert(I, C, 'u', { price: 2 }, { default: { status: 'ignored' } }),
    );
    r.getU = await settle(D.get(I, C, 'u'));
    r.exists = await settle(D.exists(I, C, 'a'));
    r.existsMissing = await settle(D.exists(I, C, 'zz'));
    r.deleteFields = await settle(D.deleteFields(I, C, 'a', ['status', 'nested.b']));
    r.deleteFieldsSource = await settle(D.deleteFields(I, C, 'u', ['status'], { source: true }));
    r.getAfterDeleteFields = await settle(D.get(I, C, 'a'));
    r.delete = await settle(D.delete(I, C, 'b'));
    r.deleteAgain = await settle(D.delete(I, C, 'b'));
    r.getDeleted = await settle(D.get(I, C, 'b'));
    r.existsDeleted = await settle(D.exists(I, C, 'b'));
    await k.collection.refresh(I, C);
    r.count = await settle(D.count(I, C));
    r.countQuery = await settle(D.count(I, C, { query: { term: { name: 'a2' } } }));
    r.search = await settle(
      D.search(I, C, { query: { term: { name: 'a2' } } }).then((result) => ({
        hits: result.hits,
        total: result.total,
        fetched: result.fetched,
      })),
    );
    r.validate = await settle(D.validate(I, C, { name: 'valid', price: 1 }));
    // An id that needs escaping in a URL.
    const odd = 'with space/slash?&é';
    r.oddCreate = await settle(D.create(I, C, { name: 'odd' }, odd));
    r.oddGet = await settle(D.get(I, C, odd));
    r.oddUpdate = await settle(D.update(I, C, odd, { price: 1 }));
    r.oddDelete = await settle(D.delete(I, C, odd));
    r.after = Date.now();
    return r;
  },

  async multi(k) {
    await setup(k);
    const D = k.document;
    const r = { before: Date.now() };
    await D.create(I, C, { name: 'a', status: 'old' }, 'a');
    r.mCreate = await settle(
      D.mCreate(I, C, [
        { _id: 'm1', body: { name: 'm1', price: 10, status: 'new' } },
        { _id: 'm2', body: { name: 'm2', price: 20 } },
        { body: { name: 'auto' } },
        { _id: 'a', body: { name: 'dup' } },
      ]),
    );
    r.mCreateOrReplace = await settle(
      D.mCreateOrReplace(I, C, [
        { _id: 'm1', body: { name: 'm1b', price: 11 } },
        { _id: 'm3', body: { name: 'm3', price: 30, status: 'new' } },
      ]),
    );
    r.mReplace = await settle(
      D.mReplace(I, C, [
        { _id: 'm2', body: { name: 'm2b', price: 21, status: 'new' } },
        { _id: 'nope', body: { name: 'x' } },
      ]),
    );
    r.mUpdate = await settle(
      D.mUpdate(I, C, [
        { _id: 'm1', body: { status: 'old' } },
        { _id: 'nope2', body: { price: 1 } },
      ]),
    );
    r.mUpsert = await settle(
      D.mUpsert(I, C, [
        { _id: 'm3', changes: { price: 31 } },
        { _id: 'm4', changes: { price: 40 }, default: { status: 'new' } },
      ]),
    );
    r.mGet = await settle(D.mGet(I, C, ['m1', 'm2', 'm3', 'm4', 'nope']));
    r.mDelete = await settle(D.mDelete(I, C, ['m4', 'nope']));
    await k.collection.refresh(I, C);
    r.countAll = await settle(D.count(I, C));
    r.updateByQuery = await settle(
      D.updateByQuery(I, C, { term: { status: 'new' } }, { name: 'flagged' }),
    );
    r.mGetUpdated = await settle(D.mGet(I, C, ['m2', 'm3']));
    await k.collection.refresh(I, C);
    r.deleteByQuery = await settle(
      D.deleteByQuery(I, C, { query: { term: { name: 'flagged' } } }),
    );
    await k.collection.refresh(I, C);
    r.countAfter = await settle(D.count(I, C));
    r.mGetDeleted = await settle(D.mGet(I, C, ['m2', 'm3', 'a']));
    r.mCreateEmpty = await settle(D.mCreate(I, C, []));
    r.mCreateBadBody = await settle(
      D.mCreate(I, C, [
        { _id: 'bad', body: 'not an object' },
        { _id: 'good', body: { name: 'good' } },
      ]),
    );
    const many = [];
    for (let n = 0; n < 201; n += 1) many.push({ _id: `many${n}`, body: { n } });
    r.mCreateTooMany = await settle(D.mCreate(I, C, many));
    r.existsTooMany = await settle(D.exists(I, C, 'many0'));
    r.after = Date.now();
    return r;
  },

  async search(k) {
    await setup(k);
    const D = k.document;
    const r = {};
    const docs = [];
    for (let n = 0; n < 25; n += 1) {
      docs.push({
        _id: `s${String(n).padStart(2, '0')}`,
        body: { n, price: n % 5, status: n % 2 ? 'odd' : 'even', name: `s${n}` },
      });
    }
    r.created = await settle(
      D.mCreate(I, C, docs, { refresh: 'wait_for' }).then((res) => res.successes.length),
    );
    // Walk every page with next() until it gives null; each page: ids, hits, total.
    async function walk(query, options, limit = 20) {
      const pages = [];
      let result = await D.search(I, C, query, options);
      while (result && pages.length < limit) {
        pages.push({
          ids: result.hits.map((hit) => hit._id),
          keys: result.hits.map((hit) => [hit._source.price, hit._source.n]),
          total: result.total,
          fetched: result.fetched,
          scrollId: result._result.scrollId,
          indexes: result.hits.map((hit) => [hit.index, hit.collection]),
        });
        result = await result.next();
      }
      return pages;
    }
    r.fromSize = await settle(walk({ query: { range: { n: { gte: 0 } } } }, { from: 0, size: 10 }));
    r.sorted = await settle(
      walk({ query: { match_all: {} }, sort: [{ price: 'desc' }, { n: 'asc' }] }, { size: 7 }),
    );
    r.scroll = await settle(
      walk({ query: { term: { status: 'even' } } }, { size: 4, scroll: '10s' }),
    );
    r.sortedScroll = await settle(
      walk({ sort: [{ n: 'desc' }] }, { size: 10, scroll: '10s' }),
    );
    // (no walk: next() after a page that did not start at 0 restarts from `fetched`)
    r.lastPage = await settle(
      D.search(I, C, {}, { from: 20, size: 10 }).then((res) => ({
        ids: res.hits.map((hit) => hit._id),
        total: res.total,
      })),
    );
    r.bool = await settle(
      D.search(I, C, {
        query: {
          bool: { must: [{ term: { status: 'odd' } }], filter: [{ range: { n: { lt: 10 } } }] },
        },
        sort: ['n'],
      }).then((res) => ({ ids: res.hits.map((hit) => hit._id), total: res.total })),
    );
    r.countOdd = await settle(D.count(I, C, { query: { term: { status: 'odd' } } }));
    r.unknownScroll = await settle(
      k.query({ controller: 'document', action: 'scroll', scrollId: 'no-such-scroll', scroll: '10s' }),
    );
    r.badSearchKey = await settle(D.search(I, C, { nope: {} }));
    r.tooLarge = await settle(D.search(I, C, {}, { size: 10001 }));
    // With the Http protocol, verb GET sends the body as ?searchBody=<json>.
    r.getVerb = await settle(
      D.search(I, C, { query: { range: { n: { lt: 3 } } }, sort: ['n'] }, { verb: 'GET' }).then(
        (res) => ({ ids: res.hits.map((hit) => hit._id), total: res.total }),
      ),
    );
    return r;
  },

  async errors(k) {
    await setup(k);
    await k.collection.create(I, 'strict', {
      mappings: { dynamic: 'strict', properties: { name: { type: 'keyword' } } },
    });
    const D = k.document;
    await D.create(I, C, { name: 'a' }, 'a');
    const r = {};
    r.getUnknownIndex = await settle(D.get('nowhere', C, 'a'));
    r.getUnknownCollection = await settle(D.get(I, 'nothing', 'a'));
    r.createUnknownIndex = await settle(D.create('nowhere', C, { name: 'x' }, 'x'));
    r.searchUnknownCollection = await settle(D.search(I, 'nothing', {}));
    r.getMissing = await settle(D.get(I, C, 'zz'));
    r.createExisting = await settle(D.create(I, C, { name: 'again' }, 'a'));
    r.deleteMissing = await settle(D.delete(I, C, 'zz'));
    r.indexAlreadyExists = await settle(k.index.create(I));
    r.strictCreate = await settle(D.create(I, 'strict', { name: 'x', other: 1 }, 'x'));
    r.strictOk = await settle(D.create(I, 'strict', { name: 'x' }, 'y'));
    r.stillAlive = await settle(D.exists(I, C, 'a'));
    return r;
  },
};

async function main() {
  const run = scenarios[scenario];
  if (!run) throw new Error(`unknown scenario ${scenario}`);
  const c = await client(port, protocol, 'A');
  const report = await run(c.kuzzle);
  report.events = c.events;
  c.kuzzle.disconnect();
  finish(report);
}

main().catch((error) => finish({ error: String(error && error.stack), state }, 1));
