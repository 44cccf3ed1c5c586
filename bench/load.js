#!/usr/bin/env node
// Load generator for the kuzzle_tx benchmark. See README.md.
//
//   node bench/load.js --mode ws-now --port 7512 [--connections 16] [--inflight 32]
//        [--duration 10] [--warmup 2] [--workers 2] [--idle 10000] [--server-pid PID]
//
// The master forks --workers processes (child_process.fork, so they inherit the CPU affinity
// given with `taskset`), spreads the connections over them, drives the phases over IPC
// (connect -> start -> mark -> stop) and prints ONE JSON line with the results: responses/s
// counted between mark and stop, each worker's CPU use over that window (process.cpuUsage
// over wall time, 1.0 = one core), the busy share of every core (/proc/stat) and, with
// --server-pid, the server's CPU (/proc/<pid>/stat) and, for ws-idle, its VmRSS.
'use strict';

const { fork } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const WebSocket = require('ws');

const MODES = ['ws-now', 'ws-ping', 'http-query', 'ws-idle'];

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
    worker: -1,
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
    '--worker': ['worker', Number],
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
  const cores = {};
  for (const line of fs.readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d+) (.*)$/.exec(line);
    if (!m) continue;
    const f = m[2].trim().split(/\s+/).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0); // without guest (already in user)
    cores[m[1]] = { total, idle: f[3] + f[4] };
  }
  return cores;
}

function coreBusy(before, after) {
  const busy = {};
  for (const id of Object.keys(after)) {
    const dt = after[id].total - before[id].total;
    const di = after[id].idle - before[id].idle;
    busy[`cpu${id}`] = dt > 0 ? round((dt - di) / dt, 3) : null;
  }
  return busy;
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
// Worker side

function nowRequest(id) {
  return `{"controller":"server","action":"now","requestId":"${id}","volatile":{"sdkName":"bench"}}`;
}

const PING = '{"p":1}';
const PONG = Buffer.from('{"p":2}');

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
  }

  error(what) {
    this.errors += 1;
    if (this.firstError === null) this.firstError = String(what).slice(0, 300);
  }

  openSocket() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, { perMessageDeflate: false });
      ws.once('open', () => {
        ws.removeAllListeners('error');
        ws.on('error', (e) => this.error(e.message));
        ws.on('close', () => {
          if (this.running) this.error('connection closed by server');
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

  // ws-now / ws-ping: open the connections and wire the request/response loop
  async connect(n) {
    const ping = this.opts.mode === 'ws-ping';
    for (let c = 0; c < n; c += 1) {
      const ws = await this.openWithRetry();
      const prefix = `${this.opts.worker}.${c}.`;
      let seq = 0;
      const pending = new Set();
      const sendNext = () => {
        if (ping) {
          ws.send(PING);
        } else {
          const id = prefix + seq++;
          pending.add(id);
          ws.send(nowRequest(id));
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
          if (msg.status === 200 && typeof msg.result?.now === 'number') this.count += 1;
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
            if (
              res.statusCode === 200 &&
              msg !== null &&
              msg.requestId === id &&
              typeof msg.result?.now === 'number'
            ) {
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

  snapshot() {
    return {
      count: this.count,
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
          if (opts.mode !== 'http-query') await w.connect(msg.n);
          w.n = msg.n;
          reply({ ev: 'ready' });
          break;
        case 'start':
          if (opts.mode === 'http-query') w.startHttp(w.n);
          else w.startWs();
          reply({ ev: 'started' });
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
          for (const ws of w.sockets) ws.terminate();
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

// ---------------------------------------------------------------------------------------------
// Master side

class Workers {
  constructor(opts) {
    this.procs = [];
    const args = process.argv.slice(2);
    for (let i = 0; i < opts.workers; i += 1) {
      const child = fork(__filename, [...args, '--worker', String(i)], { stdio: 'inherit' });
      child.inbox = [];
      child.waiters = [];
      child.on('message', (msg) => {
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

async function throughput(opts, workers) {
  const shares = split(opts.connections, opts.workers);
  await workers.ask('connect', shares);
  await workers.ask('start');
  await sleep(opts.warmup * 1000);

  const serverBefore = processTicks(opts.serverPid);
  const coresBefore = coreTimes();
  const t0 = process.hrtime.bigint();
  const marks = await workers.ask('mark');
  await sleep(opts.duration * 1000);
  const stops = await workers.ask('stop');
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const coresAfter = coreTimes();
  const serverAfter = processTicks(opts.serverPid);

  const perWorker = marks.map((m, i) => {
    const a = m.snap;
    const b = stops[i].snap;
    const us = b.hr - a.hr;
    const cpuUs = b.cpu.user - a.cpu.user + (b.cpu.system - a.cpu.system);
    return {
      connections: shares[i].n,
      responses: b.count - a.count,
      per_second: round(((b.count - a.count) * 1e6) / us, 1),
      errors: b.errors - a.errors,
      cpu: round(cpuUs / us, 3),
      new_sockets: stops[i].newSockets,
      first_error: stops[i].firstError,
    };
  });
  const sum = (key) => perWorker.reduce((acc, w) => acc + w[key], 0);
  return {
    per_second: round(sum('per_second'), 1),
    responses: sum('responses'),
    errors: sum('errors'),
    window_s: round(wall, 3),
    load_cpu_total: round(sum('cpu'), 3),
    per_worker: perWorker,
    server_cpu:
      serverBefore === null || serverAfter === null
        ? null
        : round((serverAfter - serverBefore) / opts.clkTck / wall, 3),
    cores_busy: coreBusy(coresBefore, coresAfter),
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
    connections: opts.mode === 'ws-idle' ? opts.idle : opts.connections,
    inflight: opts.mode === 'ws-now' || opts.mode === 'ws-ping' ? opts.inflight : 1,
    ...result,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
  workers.exit();
  setTimeout(() => process.exit(0), 2000).unref();
}

const opts = parseArgs(process.argv.slice(2));
if (opts.worker >= 0) {
  runWorker(opts);
} else {
  runMaster(opts).catch((e) => {
    console.error(e && e.stack ? e.stack : e);
    process.exit(1);
  });
}
