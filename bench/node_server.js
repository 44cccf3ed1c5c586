#!/usr/bin/env node
// Reference point for the kuzzle_tx benchmark: Node's `ws` + `http` speaking the same tiny
// protocol as bare_server.py (server:now over WebSocket and POST /_query, {"p":1} -> {"p":2},
// and the realtime fan-out: subscribe joins the room of the index and collection, publish
// serializes the notification once and ws.send()s that buffer to every subscriber).
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

// Realtime: one room (a Set of sockets) per index and collection, whatever the filter.
const rooms = new Map();
const roomKey = (req) => `${req.index}/${req.collection}`;
const roomId = (req) => `node-${req.index}-${req.collection}`;

function realtime(ws, req) {
  const envelope = answer(req);
  envelope.status = 200;
  envelope.error = null;
  envelope.index = req.index ?? null;
  envelope.collection = req.collection ?? null;
  if (req.action === 'subscribe') {
    const key = roomKey(req);
    if (!rooms.has(key)) rooms.set(key, new Set());
    rooms.get(key).add(ws);
    (ws.rooms ??= new Set()).add(key);
    envelope.result = { roomId: roomId(req), channel: `${roomId(req)}-channel` };
  } else if (req.action === 'publish') {
    const subscribers = rooms.get(roomKey(req));
    if (subscribers && subscribers.size) {
      const now = Date.now();
      const body = req.body !== null && typeof req.body === 'object' ? req.body : {};
      const notification = {
        type: 'document',
        status: 200,
        requestId: req.requestId ?? null,
        timestamp: now,
        index: req.index ?? null,
        collection: req.collection ?? null,
        controller: 'realtime',
        action: 'publish',
        event: 'publish',
        scope: 'in',
        protocol: 'websocket',
        node: NODE_ID,
        volatile: req.volatile ?? null,
        result: { _source: { ...body, _kuzzle_info: { author: '-1', createdAt: now } } },
        room: `${roomId(req)}-channel`,
      };
      const frame = Buffer.from(JSON.stringify(notification)); // serialized once
      for (const sub of subscribers) sub.send(frame, { binary: false });
    }
    envelope.result = { published: true };
  } else {
    return answer(null);
  }
  return envelope;
}

const wss = new WebSocketServer({ server });
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    const text = data.toString();
    if (text === PING) {
      ws.send(PONG);
      return;
    }
    const req = decode(text);
    const envelope = req?.controller === 'realtime' ? realtime(ws, req) : answer(req);
    envelope.requestId = req?.requestId ?? null;
    envelope.room = envelope.requestId;
    ws.send(JSON.stringify(envelope));
  });
  ws.on('close', () => {
    for (const key of ws.rooms ?? []) rooms.get(key)?.delete(ws);
  });
});

server.listen(port, '127.0.0.1');
