#!/usr/bin/env node
// Load generator for the kuzzle_tx benchmark. See README.md.
//
//   node bench/load.js --mode ws-now --port 7512 [--connections 16] [--inflight 32]
//        [--duration 10] [--warmup 2] [--workers 2] [--idle 10000] [--server-pid PID]
//        [--subscribers 1000] (fanout) [--rooms 10000] (match)
//
// The master forks --workers processes (child_process.fork, so they inherit the CPU affinity
// given with `taskset`), spreads the connections over them, drives the phases over IPC
// (connect -> start -> mark -> stop) and prints ONE JSON line with the results: responses/s
// counted between mark and stop, each worker's CPU use over that window (process.cpuUsage
// over wall time, 1.0 = one core), the busy share of every core (/proc/stat) and, with
// --server-pid, the server's CPU (/proc/<pid>/stat) and, for ws-idle, its VmRSS. fanout and
// match (realtime pub/sub) count notifications (fanout) or publications (match) in the window,
// then stop publishing and check that every notification of the whole run arrived.
'use strict';

const { fork } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const MODES = ['ws-now', 'ws-ping', 'http-query', 'ws-idle', 'fanout', 'match', 'ws-doc'];

function parseArgs(argv) {
  const opts = {
    mode: 'ws-now',
    host: '127.0.0.1',
    port: 7512,
    connections: 16,
    inflight: 32,
    duration: 10,
    warmup: 2,
    workers: 2,
    idle: 10000,
    window: 24, // handshakes in flight per worker while opening idle connections
    serverPid: 0,
    clkTck: 100,
    subscribers: 1000, // fanout: subscriber connections, all on one room
    lagNotifications: 25000, // fanout: notifications the publisher may run ahead of delivery
    rooms: 10000, // match: distinct filters {equals: {k: v<i>}}
    subConnections: 10, // match: connections holding the subscriptions
    publishers: 4, // match: publisher connections
    pubInflight: 16, // match: publications in flight per publisher connection
    docAction: 'get', // ws-doc: create, get or search (see load_worker.js docRequest)
    docCollection: 'docs', // ws-doc: the collection of index "bench" to work on
    docCount: 100000, // ws-doc: documents d0..d<count-1> exist (get, search)
    jwt: '', // ws-now: authentication token sent with every request (empty: anonymous)
  };
  const names = {
    '--mode': ['mode', String],
    '--host': ['host', String],
    '--port': ['port', Number],
    '--connections': ['connections', Number],
    '--inflight': ['inflight', Number],
    '--duration': ['duration', Number],
    '--warmup': ['warmup', Number],
    '--workers': ['workers', Number],
    '--idle': ['idle', Number],
    '--window': ['window', Number],
    '--server-pid': ['serverPid', Number],
    '--clk-tck': ['clkTck', Number],
    '--subscribers': ['subscribers', Number],
    '--lag-notifications': ['lagNotifications', Number],
    '--rooms': ['rooms', Number],
    '--sub-connections': ['subConnections', Number],
    '--publishers': ['publishers', Number],
    '--pub-inflight': ['pubInflight', Number],
    '--doc-action': ['docAction', String],
    '--doc-collection': ['docCollection', String],
    '--doc-count': ['docCount', Number],
    '--jwt': ['jwt', String],
  };
  for (let i = 0; i < argv.length; i += 2) {
    const spec = names[argv[i]];
    if (!spec || i + 1 >= argv.length) {
      throw new Error(`unknown or incomplete option ${argv[i]}`);
    }
    opts[spec[0]] = spec[1](argv[i + 1]);
  }
  if (!MODES.includes(opts.mode)) throw new Error(`unknown mode ${opts.mode}`);
  return opts;
}

// ---------------------------------------------------------------------------------------------
// /proc readers (the master samples them at mark and stop)

function coreTimes() {
  // Per core, in clock ticks: user+nice+system (processes), irq+softirq, idle+iowait, total.
  const cores = {};
  for (const line of fs.readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d+) (.*)$/.exec(line);
    if (!m) continue;
    const f = m[2].trim().split(/\s+/).map(Number);
    cores[m[1]] = {
      procs: f[0] + f[1] + f[2],
      irq: f[5] + f[6],
      idle: f[3] + f[4],
      total: f.slice(0, 8).reduce((a, b) => a + b, 0), // guest time is already in user
    };
  }
  return cores;
}

function coreBusy(before, after) {
  // Busy share of each core (anything but idle), and its irq+softirq part (loopback TCP).
  const busy = {};
  for (const id of Object.keys(after)) {
    const dt = after[id].total - before[id].total;
    busy[`cpu${id}`] =
      dt > 0 ? round((dt - (after[id].idle - before[id].idle)) / dt, 3) : null;
    busy[`cpu${id}_irq`] = dt > 0 ? round((after[id].irq - before[id].irq) / dt, 3) : null;
  }
  return busy;
}

function processSeconds(before, after, clkTck) {
  // CPU seconds spent by all processes (user+nice+system) on all cores.
  let ticks = 0;
  for (const id of Object.keys(after)) ticks += after[id].procs - before[id].procs;
  return ticks / clkTck;
}

function processTicks(pid) {
  if (!pid) return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime, all threads
  } catch {
    return null;
  }
}

function rssKb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)[1]);
}

function round(x, digits) {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Master side

class Workers {
  constructor(opts) {
    this.procs = [];
    for (let i = 0; i < opts.workers; i += 1) {
      const options = JSON.stringify({ ...opts, worker: i });
      const child = fork(path.join(__dirname, 'load_worker.js'), [options], { stdio: 'inherit' });
      child.inbox = [];
      child.waiters = [];
      child.on('message', (msg) => {
        if (msg.ev === 'progress') {
          this.progress(i, msg.frontier);
          return;
        }
        if (msg.ev === 'failed') {
          console.error(`worker ${i} failed: ${msg.error}`);
          process.exit(1);
        }
        const waiter = child.waiters.shift();
        if (waiter) waiter(msg);
        else child.inbox.push(msg);
      });
      child.on('exit', (code) => {
        if (code && !this.exiting) {
          console.error(`worker ${i} exited with ${code}`);
          process.exit(1);
        }
      });
      this.procs.push(child);
    }
  }

  // fanout: every worker reports how far its slowest subscriber has got; the slowest of all
  // is the publisher's credit (it runs at most `lag` publications ahead of it).
  progress(worker, frontier) {
    this.frontiers ??= new Map();
    this.frontiers.set(worker, frontier);
    if (this.frontiers.size < this.subscribed) return;
    const credit = Math.min(...this.frontiers.values());
    if (credit > (this.credit ?? 0)) {
      this.credit = credit;
      this.procs[0].send({ cmd: 'credit', frontier: credit });
    }
  }

  // Send one command to the given workers (all by default) and wait for each one's answer.
  ask(cmd, payloads = null, procs = this.procs) {
    return Promise.all(
      procs.map((child, i) => {
        child.send({ cmd, ...(payloads ? payloads[i] : {}) });
        return new Promise((resolve) => {
          if (child.inbox.length) resolve(child.inbox.shift());
          else child.waiters.push(resolve);
        });
      }),
    );
  }

  exit() {
    this.exiting = true;
    for (const child of this.procs) {
      if (child.connected) child.send({ cmd: 'exit' });
    }
  }
}

function split(total, parts) {
  return Array.from({ length: parts }, (_, i) => ({
    n: Math.floor(total / parts) + (i < total % parts ? 1 : 0),
  }));
}

// fanout / match: what each worker sets up (subscribers, publishers), as 'connect' payloads.
function realtimeShares(opts) {
  if (opts.mode === 'fanout') {
    // The publisher is in worker 0; lag: publications it may run ahead of the slowest
    // subscriber, enough to keep the server busy between two progress reports.
    const lag = Math.max(4, Math.ceil(opts.lagNotifications / opts.subscribers));
    return split(opts.subscribers, opts.workers).map((share, i) => ({
      ...share,
      publisher: i === 0,
      lag,
    }));
  }
  const conns = Array.from({ length: opts.workers }, () => []);
  for (let c = 0; c < opts.subConnections; c += 1) conns[c % opts.workers].push(c);
  const pubs = split(opts.publishers, opts.workers);
  return conns.map((mine, i) => ({
    n: mine.length,
    conns: mine,
    total: opts.subConnections,
    rooms: opts.rooms,
    publishers: pubs[i].n,
  }));
}

// fanout / match, after the measured window: stop publishing, wait for the answers still due,
// then for the notifications, and count what never came.
async function settle(opts, workers) {
  const t0 = Date.now();
  const finished = await workers.ask('finish', workers.procs.map(() => ({ ms: 10000 })));
  const published = finished.reduce((acc, f) => acc + f.published, 0);
  const unanswered = finished.reduce((acc, f) => acc + f.unanswered, 0);
  if (opts.mode === 'fanout') {
    const payload = { total: published, ms: 15000 };
    const drained = await workers.ask('drain', workers.procs.map(() => payload));
    const sum = (key) => drained.reduce((acc, d) => acc + d[key], 0);
    return {
      published_total: published,
      unanswered_publications: unanswered,
      notifications_expected: published * opts.subscribers,
      notifications_received: sum('received'),
      lost: sum('lost'),
      incomplete_subscribers: sum('incomplete'),
      gaps: sum('gaps'),
      total_errors: sum('errors'),
      first_error: drained.map((d) => d.firstError).find((e) => e) || null,
      drain_s: round((Date.now() - t0) / 1000, 2),
    };
  }
  // match: one notification per publication, to whichever connection holds the room.
  let notified = [];
  const deadline = Date.now() + 5000;
  for (;;) {
    notified = await workers.ask('notified');
    const got = notified.reduce((acc, n) => acc + n.notified, 0);
    if (got >= published || Date.now() > deadline) break;
    await sleep(20);
  }
  const got = notified.reduce((acc, n) => acc + n.notified, 0);
  return {
    published_total: published,
    unanswered_publications: unanswered,
    notifications_expected: published,
    notifications_received: got,
    lost: Math.max(0, published - got),
    total_errors: notified.reduce((acc, n) => acc + n.errors, 0),
    first_error: notified.map((n) => n.firstError).find((e) => e) || null,
    drain_s: round((Date.now() - t0) / 1000, 2),
  };
}

async function throughput(opts, workers) {
  const realtime = opts.mode === 'fanout' || opts.mode === 'match';
  const shares = realtime ? realtimeShares(opts) : split(opts.connections, opts.workers);
  const setup0 = Date.now();
  workers.subscribed = opts.mode === 'fanout' ? shares.filter((s) => s.n > 0).length : 0;
  await workers.ask('connect', shares);
  const setupSeconds = (Date.now() - setup0) / 1000;
  await workers.ask('start');
  await sleep(opts.warmup * 1000);

  const serverBefore = processTicks(opts.serverPid);
  const coresBefore = coreTimes();
  const masterBefore = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const marks = await workers.ask('mark');
  await sleep(opts.duration * 1000);
  const stops = await workers.ask('stop');
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const masterAfter = process.cpuUsage();
  const coresAfter = coreTimes();
  const serverAfter = processTicks(opts.serverPid);

  const perWorker = marks.map((m, i) => {
    const a = m.snap;
    const b = stops[i].snap;
    const us = b.hr - a.hr;
    const cpuUs = b.cpu.user - a.cpu.user + (b.cpu.system - a.cpu.system);
    return {
      connections: shares[i].n,
      published: b.published - a.published,
      responses: b.count - a.count,
      per_second: round(((b.count - a.count) * 1e6) / us, 1),
      errors: b.errors - a.errors,
      cpu: round(cpuUs / us, 3),
      new_sockets: stops[i].newSockets,
      first_error: stops[i].firstError,
    };
  });
  const sum = (key) => perWorker.reduce((acc, w) => acc + w[key], 0);
  const serverCpu =
    serverBefore === null || serverAfter === null
      ? null
      : (serverAfter - serverBefore) / opts.clkTck / wall;
  const masterUs = masterAfter.user - masterBefore.user + masterAfter.system - masterBefore.system;
  // Other processes (other users of the machine, kernel threads): the interference measure.
  const otherCpu =
    processSeconds(coresBefore, coresAfter, opts.clkTck) / wall -
    (serverCpu ?? 0) -
    sum('cpu') -
    masterUs / 1e6 / wall;
  const extra = {};
  if (realtime) {
    Object.assign(extra, {
      setup_s: round(setupSeconds, 2),
      publishes_per_second: round(sum('published') / wall, 1),
      ...(await settle(opts, workers)),
    });
    if (opts.mode === 'fanout') extra.subscribers = opts.subscribers;
    else extra.rooms = opts.rooms;
  }
  return {
    per_second: round(sum('per_second'), 1),
    responses: sum('responses'),
    errors: sum('errors'),
    window_s: round(wall, 3),
    load_cpu_total: round(sum('cpu'), 3),
    per_worker: perWorker,
    server_cpu: serverCpu === null ? null : round(serverCpu, 3),
    other_cpu: round(Math.max(0, otherCpu), 3),
    cores_busy: coreBusy(coresBefore, coresAfter),
    ...extra,
  };
}

async function settledRss(pid, minMs, maxMs) {
  // Poll VmRSS until two samples 500 ms apart differ by less than 0.2 %.
  const start = Date.now();
  let last = rssKb(pid);
  for (;;) {
    await sleep(500);
    const now = rssKb(pid);
    const elapsed = Date.now() - start;
    if (elapsed >= maxMs || (elapsed >= minMs && Math.abs(now - last) <= last * 0.002)) {
      return now;
    }
    last = now;
  }
}

async function idle(opts, workers) {
  if (!opts.serverPid) throw new Error('ws-idle needs --server-pid');
  await workers.ask('warm', null, workers.procs.slice(0, 1));
  const before = await settledRss(opts.serverPid, 1000, 5000);
  const t0 = Date.now();
  const opened = await workers.ask('idle', split(opts.idle, opts.workers));
  const openSeconds = (Date.now() - t0) / 1000;
  const after = await settledRss(opts.serverPid, 2000, 15000);
  const checked = await workers.ask('check');
  const open = checked.reduce((acc, c) => acc + c.open, 0);
  const count = opened.reduce((acc, o) => acc + o.opened, 0);
  return {
    requested: opts.idle,
    opened: count,
    still_open: open,
    failed: opened.reduce((acc, o) => acc + o.failed, 0),
    first_error: opened.map((o) => o.firstError).find((e) => e) || null,
    open_s: round(openSeconds, 2),
    rss_before_kb: before,
    rss_after_kb: after,
    kb_per_connection: count ? round((after - before) / count, 2) : null,
  };
}

async function runMaster(opts) {
  const workers = new Workers(opts);
  const budget = (opts.warmup + opts.duration) * 1000 + 120000;
  const watchdog = setTimeout(() => {
    console.error(`load: no result after ${budget / 1000} s, giving up`);
    workers.exit();
    process.exit(2);
  }, budget);
  const result = opts.mode === 'ws-idle' ? await idle(opts, workers) : await throughput(opts, workers);
  clearTimeout(watchdog);
  const out = {
    mode: opts.mode,
    worker_count: opts.workers,
    connections: {
      'ws-idle': opts.idle,
      fanout: opts.subscribers + 1,
      match: opts.subConnections + opts.publishers,
    }[opts.mode] ?? opts.connections,
    inflight:
      { 'ws-now': opts.inflight, 'ws-ping': opts.inflight, 'ws-doc': opts.inflight, match: opts.pubInflight }[
        opts.mode
      ] ?? 1,
    ...result,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
  workers.exit();
  setTimeout(() => process.exit(0), 2000).unref();
}

runMaster(parseArgs(process.argv.slice(2))).catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
