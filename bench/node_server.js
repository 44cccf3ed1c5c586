#!/usr/bin/env node
// Reference point for the kuzzle_tx benchmark: Node's `ws` + `http` speaking the same tiny
// protocol as bare_server.py (server:now over WebSocket and POST /_query, {"p":1} -> {"p":2}).
//
//   node bench/node_server.js --port 7512
'use strict';

const http = require('node:http');
const { WebSocketServer } = require('ws');

const NODE_ID = 'knode-node-bench';
const PING = '{"p":1}';
const PONG = '{"p":2}';

function answer(request) {
  const req = request !== null && typeof request === 'object' ? request : {};
  const ok = req.controller === 'server' && req.action === 'now';
  return {
    requestId: req.requestId ?? null,
    status: ok ? 200 : 404,
    error: ok ? null : { status: 404, message: `API action "${req.controller}":"${req.action}" not found` },
    controller: req.controller ?? null,
    action: req.action ?? null,
    index: null,
    collection: null,
    volatile: null,
    result: ok ? { now: Date.now() } : null,
    node: NODE_ID,
    headers: {},
  };
}

function decode(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const portIndex = process.argv.indexOf('--port');
const port = portIndex > 0 ? Number(process.argv[portIndex + 1]) : 7512;

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/_query') {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const envelope = answer(decode(Buffer.concat(chunks).toString()));
    const body = JSON.stringify(envelope);
    res.writeHead(envelope.status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
});

const wss = new WebSocketServer({ server });
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    const text = data.toString();
    if (text === PING) {
      ws.send(PONG);
      return;
    }
    const envelope = answer(decode(text));
    envelope.room = envelope.requestId;
    ws.send(JSON.stringify(envelope));
  });
});

server.listen(port, '127.0.0.1');
