// Load generator worker, forked by load.js (one process per worker; see README.md).
// argv[2] is the options as JSON. The master drives the phases over IPC: connect, start,
// mark, stop (throughput modes) or warm, idle, check (ws-idle), then exit; every command gets
// one answer. Counts only well-formed answers: status 200 with a numeric result.now, matched
// by room (WebSocket), or exactly {"p":2} for {"p":1}.
'use strict';

const http = require('node:http');
const WebSocket = require('ws');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

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

runWorker(JSON.parse(process.argv[2]));
