// Load generator worker, forked by load.js (one process per worker; see README.md).
// argv[2] is the options as JSON. The master drives the phases over IPC: connect, start,
// mark, stop (throughput modes; then finish, drain or notified for fanout and match) or warm,
// idle, check (ws-idle), then exit; every command gets one answer, except `credit` (fanout: how
// far the slowest subscriber of all workers has got, which paces the publisher). Counts only well-formed answers: status 200 with a numeric result.now, matched
// by room (WebSocket), or exactly {"p":2} for {"p":1}.
'use strict';

const http = require('node:http');
const WebSocket = require('ws');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const keepMask = () => {};

// Sends made while handling one read go out in one write: cork the socket at the first
// send of a tick and uncork after it, instead of one system call per frame.
function corkedSend(ws, data) {
  const socket = ws._socket;
  if (!socket.writableCorked) {
    socket.cork();
    process.nextTick(() => socket.uncork());
  }
  ws.send(data);
}

function nowRequest(id, jwt = '') {
  const token = jwt ? `,"jwt":"${jwt}"` : '';
  return `{"controller":"server","action":"now","requestId":"${id}"${token},"volatile":{"sdkName":"bench"}}`;
}

// ws-doc: one document request (index "bench", the --doc-collection collection). Documents
// d0..d<docCount-1> carry tag "t<i/10>", so a term query on tag hits 10 documents.
function docRequest(opts, id, seq) {
  const target = `"index":"bench","collection":"${opts.docCollection}","requestId":"${id}"`;
  const pick = Math.floor(Math.random() * opts.docCount);
  if (opts.docAction === 'create') {
    return `{"controller":"document","action":"create",${target},"body":{"n":${seq},"tag":"new${seq % 1000}","name":"created by ${id}"}}`;
  }
  if (opts.docAction === 'get') {
    return `{"controller":"document","action":"get",${target},"_id":"d${pick}"}`;
  }
  if (opts.docAction === 'search') {
    return `{"controller":"document","action":"search",${target},"size":10,"body":{"query":{"term":{"tag":"t${Math.floor(pick / 10)}"}}}}`;
  }
  throw new Error(`unknown --doc-action ${opts.docAction}`);
}

// ws-doc: a well-formed answer to docRequest (search: the 10 documents of the tag).
function docAnswerOk(opts, msg) {
  if (msg.status !== 200 || !msg.result) return false;
  if (opts.docAction === 'search') return msg.result.total === 10 && msg.result.hits.length === 10;
  return typeof msg.result._id === 'string';
}

const PING = '{"p":1}';
const PONG = Buffer.from('{"p":2}');

// Realtime (fanout, match): every subscription and publication is on this collection.
const RT_INDEX = 'bench';
const RT_COLLECTION = 'c';
const N_KEY = Buffer.from('"_source":{"n":');
const PUB_INFLIGHT_FANOUT = 4; // fanout: publications awaiting their {published: true}

function rtRequest(action, body, requestId) {
  return JSON.stringify({
    controller: 'realtime',
    action,
    index: RT_INDEX,
    collection: RT_COLLECTION,
    body,
    requestId,
  });
}

// The non-negative integer written at buf[i...], or -1 when there is no digit there.
function digitsAt(buf, i) {
  let value = 0;
  let j = i;
  for (; j < buf.length; j += 1) {
    const c = buf[j];
    if (c < 48 || c > 57) break;
    value = value * 10 + c - 48;
  }
  return j > i ? value : -1;
}

class Worker {
  constructor(opts) {
    this.opts = opts;
    this.url = `ws://${opts.host}:${opts.port}/`;
    this.sockets = [];
    this.running = false;
    this.count = 0;
    this.errors = 0;
    this.firstError = null;
    this.newSockets = 0; // HTTP: sockets opened (keep-alive should keep this at C)
    this.live = false; // fanout/match: set up, a server-side close is an error from then on
    // fanout / match
    this.subs = []; // fanout: {ws, channel, tail, next, got, checked}
    this.publishers = []; // {ws, pending: Set, seq} (match) or one {ws, next, inflight} (fanout)
    this.credit = 0; // fanout: every subscriber everywhere has got the publications below this
    this.lag = 1; // fanout: publications allowed beyond the credit
    this.published = 0; // answered publications, whole run
    this.notified = 0; // match: notifications received, whole run
    this.gaps = 0; // fanout: notifications a subscriber never got before a later one
    this.lastFrontier = -1;
  }

  error(what) {
    this.errors += 1;
    if (this.firstError === null) this.firstError = String(what).slice(0, 300);
  }

  openSocket() {
    return new Promise((resolve, reject) => {
      // A fixed (zero) mask: random masks cost the client a CSPRNG call per frame, and the
      // servers unmask every frame all the same.
      const ws = new WebSocket(this.url, { perMessageDeflate: false, generateMask: keepMask });
      ws.once('open', () => {
        ws.removeAllListeners('error');
        ws.on('error', (e) => this.error(e.message));
        ws.on('close', () => {
          if (this.running || this.live) this.error('connection closed by server');
        });
        resolve(ws);
      });
      ws.once('error', reject);
    });
  }

  async openWithRetry() {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.openSocket();
      } catch (e) {
        if (attempt >= 5) throw e;
        await sleep(100 * 2 ** attempt);
      }
    }
  }

  // ws-now / ws-ping / ws-doc: open the connections and wire the request/response loop
  async connect(n) {
    const ping = this.opts.mode === 'ws-ping';
    const doc = this.opts.mode === 'ws-doc';
    for (let c = 0; c < n; c += 1) {
      const ws = await this.openWithRetry();
      const prefix = `${this.opts.worker}.${c}.`;
      let seq = 0;
      const pending = new Set();
      const sendNext = () => {
        if (ping) {
          corkedSend(ws, PING);
        } else {
          const id = prefix + seq;
          pending.add(id);
          corkedSend(ws, doc ? docRequest(this.opts, id, seq) : nowRequest(id, this.opts.jwt));
          seq += 1;
        }
      };
      ws.on('message', (data) => {
        if (ping) {
          if (PONG.equals(data)) this.count += 1;
          else this.error(`unexpected answer ${data}`);
        } else {
          let msg;
          try {
            msg = JSON.parse(data);
          } catch {
            this.error(`not JSON: ${data}`);
            return;
          }
          if (!pending.delete(msg.room)) {
            this.error(`unmatched answer ${data}`);
            return; // a stray message does not add a request in flight
          }
          const ok = doc
            ? docAnswerOk(this.opts, msg)
            : msg.status === 200 && typeof msg.result?.now === 'number';
          if (ok) this.count += 1;
          else this.error(`bad answer ${data}`);
        }
        if (this.running) sendNext();
      });
      ws.startLoop = () => {
        for (let i = 0; i < this.opts.inflight; i += 1) sendNext();
      };
      this.sockets.push(ws);
    }
  }

  startWs() {
    this.running = true;
    for (const ws of this.sockets) ws.startLoop();
  }

  // http-query: C loops, each one POST in flight on its own keep-alive socket
  startHttp(n) {
    this.running = true;
    const agent = new http.Agent({ keepAlive: true, maxSockets: n, maxFreeSockets: n });
    const prefix = `${this.opts.worker}.`;
    let seq = 0;
    const loop = () => {
      if (!this.running) return;
      const id = prefix + seq++;
      const body = nowRequest(id);
      const req = http.request(
        {
          host: this.opts.host,
          port: this.opts.port,
          method: 'POST',
          path: '/_query',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (res) => {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            let msg = null;
            try {
              msg = JSON.parse(text);
            } catch {
              // counted as an error below
            }
            // One request in flight per keep-alive socket: no need to match by requestId
            // (Kuzzle gives HTTP requests their own id).
            if (res.statusCode === 200 && msg?.status === 200 && typeof msg.result?.now === 'number') {
              this.count += 1;
            } else {
              this.error(`bad answer ${res.statusCode} ${text}`);
            }
            setImmediate(loop);
          });
        },
      );
      req.on('socket', (socket) => {
        if (!req.reusedSocket) this.newSockets += 1;
        socket.setNoDelay(true);
      });
      req.on('error', (e) => {
        this.error(e.message);
        if (this.running) setTimeout(loop, 10);
      });
      req.end(body);
    };
    for (let c = 0; c < n; c += 1) loop();
  }

  // ws-idle: one warm-up exchange so the server has loaded every code path
  async warm() {
    const ws = await this.openWithRetry();
    await new Promise((resolve) => {
      ws.once('message', resolve);
      ws.send(nowRequest('warm-up'));
    });
    ws.close();
  }

  // ws-idle: open n connections, at most `window` handshakes at a time, and keep them
  async openIdle(n) {
    let next = 0;
    let failed = 0;
    const lane = async () => {
      while (next < n) {
        next += 1;
        try {
          const ws = await this.openWithRetry();
          ws.on('close', () => {
            ws.closed = true;
          });
          this.sockets.push(ws);
        } catch (e) {
          failed += 1;
          this.error(e.message);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.window, n) }, lane));
    return failed;
  }

  // fanout / match: a socket whose messages go to ws.handler (replaced once set up), and
  // requests whose answer (the message whose room is the requestId) resolves a promise.
  async openRealtime() {
    const ws = await this.openWithRetry();
    ws.pending = new Map();
    ws.handler = (data) => {
      let msg;
      try {
        msg = JSON.parse(data);
      } catch {
        this.error(`not JSON: ${data}`);
        return;
      }
      const waiter = ws.pending.get(msg.room);
      if (!waiter) {
        this.error(`unexpected message during set-up: ${data}`);
        return;
      }
      ws.pending.delete(msg.room);
      if (msg.status === 200 && typeof msg.result?.channel === 'string') {
        waiter.resolve(msg.result.channel);
      } else {
        waiter.reject(new Error(`subscribe failed: ${String(data).slice(0, 300)}`));
      }
    };
    ws.on('message', (data) => ws.handler(data));
    return ws;
  }

  subscribe(ws, body, requestId) {
    return new Promise((resolve, reject) => {
      ws.pending.set(requestId, { resolve, reject });
      ws.send(rtRequest('subscribe', body, requestId));
    });
  }

  // fanout: n subscribers to {} (at most `window` handshakes + subscriptions at a time)
  async setupFanout(n, publisher, lag) {
    let next = 0;
    const lane = async () => {
      while (next < n) {
        const i = next;
        next += 1;
        const ws = await this.openRealtime();
        const channel = await this.subscribe(ws, {}, `s.${this.opts.worker}.${i}`);
        const sub = {
          ws,
          channel,
          tail: Buffer.from(`,"room":${JSON.stringify(channel)}}`),
          next: 0,
          got: 0,
          checked: false,
        };
        ws.handler = (data) => this.onFanout(sub, data);
        this.subs.push(sub);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.window, n) }, lane));
    if (publisher) {
      const ws = await this.openRealtime();
      const pub = { ws, next: 0, inflight: 0 };
      ws.handler = (data) => this.onPublished(pub, data);
      this.publishers.push(pub);
      this.lag = lag;
    }
    this.live = true;
    // Report how far every local subscriber has got, so that the publisher (paced by the
    // slowest subscriber of all workers) keeps a bounded backlog in the server.
    this.progress = setInterval(() => this.reportProgress(), 10);
  }

  reportProgress() {
    let frontier = Infinity;
    for (const sub of this.subs) if (sub.next < frontier) frontier = sub.next;
    if (frontier === Infinity || frontier === this.lastFrontier) return;
    this.lastFrontier = frontier;
    process.send({ ev: 'progress', frontier });
  }

  onFanout(sub, data) {
    let n = -1;
    // Fast path once a first notification was fully checked: the frame ends with this
    // subscriber's room and carries the publication number as _source.n.
    const { tail } = sub;
    if (sub.checked && data.length > tail.length && tail.equals(data.subarray(data.length - tail.length))) {
      const at = data.indexOf(N_KEY);
      if (at >= 0) n = digitsAt(data, at + N_KEY.length);
    }
    if (n < 0) {
      let msg;
      try {
        msg = JSON.parse(data);
      } catch {
        this.error(`not JSON: ${data}`);
        return;
      }
      const source = msg?.result?._source;
      if (
        msg.room !== sub.channel ||
        msg.status !== 200 ||
        msg.type !== 'document' ||
        msg.controller !== 'realtime' ||
        msg.action !== 'publish' ||
        typeof source?.n !== 'number'
      ) {
        this.error(`bad notification ${String(data).slice(0, 300)}`);
        return;
      }
      n = source.n;
      sub.checked = true;
    }
    sub.got += 1;
    this.count += 1;
    if (n === sub.next) {
      sub.next += 1;
    } else if (n > sub.next) {
      this.gaps += n - sub.next;
      this.error(`a subscriber missed publications ${sub.next} to ${n - 1}`);
      sub.next = n + 1;
    } else {
      this.error(`duplicate or out-of-order notification ${n} (expected ${sub.next})`);
    }
  }

  pumpFanout() {
    const pub = this.publishers[0];
    while (
      this.running &&
      pub.inflight < PUB_INFLIGHT_FANOUT &&
      pub.next < this.credit + this.lag
    ) {
      pub.ws.send(rtRequest('publish', { n: pub.next }, `p${pub.next}`));
      pub.next += 1;
      pub.inflight += 1;
    }
  }

  onPublished(pub, data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      this.error(`not JSON: ${data}`);
      return;
    }
    if (typeof msg.room !== 'string' || msg.room[0] !== 'p') {
      this.error(`unexpected message to the publisher ${String(data).slice(0, 300)}`);
      return;
    }
    pub.inflight -= 1;
    if (msg.status === 200 && msg.result?.published === true) this.published += 1;
    else this.error(`bad publish answer ${String(data).slice(0, 300)}`);
    this.pumpFanout();
  }

  // match: subscriber connections `conns` (of `total`) subscribe {equals: {k: v<i>}} for the
  // rooms i = conn, conn + total, ... < rooms; `publishers` connections publish.
  async setupMatch(conns, total, rooms, publishers) {
    await Promise.all(
      conns.map(async (conn) => {
        const ws = await this.openRealtime();
        const asked = [];
        for (let i = conn; i < rooms; i += total) {
          asked.push(this.subscribe(ws, { equals: { k: `v${i}` } }, `m${i}`).then((ch) => [ch, `v${i}`]));
        }
        ws.channels = new Map(await Promise.all(asked));
        ws.handler = (data) => this.onMatch(ws, data);
        this.sockets.push(ws);
      }),
    );
    for (let c = 0; c < publishers; c += 1) {
      const ws = await this.openRealtime();
      const pub = { ws, pending: new Set(), seq: 0, prefix: `${this.opts.worker}.${c}.` };
      ws.handler = (data) => this.onMatchPublished(pub, data);
      this.publishers.push(pub);
    }
    this.rooms = rooms;
    this.live = true;
  }

  onMatch(ws, data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      this.error(`not JSON: ${data}`);
      return;
    }
    const expected = ws.channels.get(msg.room);
    if (expected !== undefined && msg.status === 200 && msg.result?._source?.k === expected) {
      this.notified += 1;
    } else {
      this.error(`unexpected notification ${String(data).slice(0, 300)}`);
    }
  }

  sendMatch(pub) {
    const id = pub.prefix + pub.seq++;
    pub.pending.add(id);
    const k = `v${Math.floor(Math.random() * this.rooms)}`;
    pub.ws.send(rtRequest('publish', { k }, id));
  }

  onMatchPublished(pub, data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      this.error(`not JSON: ${data}`);
      return;
    }
    if (!pub.pending.delete(msg.room)) {
      this.error(`unmatched answer ${String(data).slice(0, 300)}`);
      return;
    }
    if (msg.status === 200 && msg.result?.published === true) {
      this.count += 1;
      this.published += 1;
    } else {
      this.error(`bad publish answer ${String(data).slice(0, 300)}`);
    }
    if (this.running) this.sendMatch(pub);
  }

  startRealtime() {
    this.running = true;
    if (this.opts.mode === 'fanout') {
      if (this.publishers.length) this.pumpFanout();
    } else {
      for (const pub of this.publishers) {
        for (let i = 0; i < this.opts.pubInflight; i += 1) this.sendMatch(pub);
      }
    }
  }

  onCredit(frontier) {
    if (frontier > this.credit) this.credit = frontier;
    if (this.publishers.length) this.pumpFanout();
  }

  // After stop: wait until no publication awaits its answer (at most `ms`).
  async finish(ms) {
    const inflight = () =>
      this.publishers.reduce((acc, p) => acc + (p.pending ? p.pending.size : p.inflight), 0);
    const deadline = Date.now() + ms;
    while (inflight() > 0 && Date.now() < deadline) await sleep(10);
    return { published: this.published, unanswered: inflight() };
  }

  // fanout, after finish: wait until every subscriber got `total` notifications (at most `ms`).
  async drain(total, ms) {
    const missing = () => this.subs.reduce((acc, s) => acc + Math.max(0, total - s.got), 0);
    const deadline = Date.now() + ms;
    while (missing() > 0 && Date.now() < deadline) await sleep(20);
    clearInterval(this.progress);
    return {
      received: this.subs.reduce((acc, s) => acc + s.got, 0),
      lost: missing(),
      incomplete: this.subs.filter((s) => s.got < total).length,
      gaps: this.gaps,
      errors: this.errors,
      firstError: this.firstError,
    };
  }

  snapshot() {
    return {
      count: this.count,
      published: this.published,
      errors: this.errors,
      cpu: process.cpuUsage(),
      hr: Number(process.hrtime.bigint() / 1000n), // microseconds
    };
  }
}

function runWorker(opts) {
  const w = new Worker(opts);
  const reply = (msg) => process.send(msg);
  process.on('message', async (msg) => {
    try {
      switch (msg.cmd) {
        case 'connect':
          if (opts.mode === 'fanout') await w.setupFanout(msg.n, msg.publisher, msg.lag);
          else if (opts.mode === 'match') {
            await w.setupMatch(msg.conns, msg.total, msg.rooms, msg.publishers);
          } else if (opts.mode !== 'http-query') await w.connect(msg.n);
          w.n = msg.n;
          reply({ ev: 'ready' });
          break;
        case 'start':
          if (opts.mode === 'http-query') w.startHttp(w.n);
          else if (opts.mode === 'fanout' || opts.mode === 'match') w.startRealtime();
          else w.startWs();
          reply({ ev: 'started' });
          break;
        case 'credit': // fanout, from the master: no answer
          w.onCredit(msg.frontier);
          break;
        case 'finish':
          reply({ ev: 'finished', ...(await w.finish(msg.ms)) });
          break;
        case 'drain':
          reply({ ev: 'drained', ...(await w.drain(msg.total, msg.ms)) });
          break;
        case 'notified':
          reply({ ev: 'notified', notified: w.notified, errors: w.errors, firstError: w.firstError });
          break;
        case 'mark':
          w.newSockets = 0;
          reply({ ev: 'marked', snap: w.snapshot() });
          break;
        case 'stop': {
          const snap = w.snapshot();
          w.running = false;
          reply({
            ev: 'stopped',
            snap,
            newSockets: w.newSockets,
            firstError: w.firstError,
          });
          break;
        }
        case 'warm':
          await w.warm();
          reply({ ev: 'warmed' });
          break;
        case 'idle': {
          const failed = await w.openIdle(msg.n);
          reply({ ev: 'opened', opened: w.sockets.length, failed, firstError: w.firstError });
          break;
        }
        case 'check':
          reply({ ev: 'checked', open: w.sockets.filter((s) => !s.closed).length });
          break;
        case 'exit':
          w.live = false;
          for (const ws of w.sockets) ws.terminate();
          for (const sub of w.subs) sub.ws.terminate();
          for (const pub of w.publishers) pub.ws.terminate();
          process.exit(0);
          break;
        default:
          throw new Error(`unknown command ${msg.cmd}`);
      }
    } catch (e) {
      reply({ ev: 'failed', error: String(e && e.stack ? e.stack : e) });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

runWorker(JSON.parse(process.argv[2]));
