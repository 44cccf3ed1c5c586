'use strict';
// Helpers shared by the e2e scripts: every script prints JSON lines on stdout, the last one
// being its report, and always exits by itself (a guard timer reports a timeout).

const started = Date.now();

function elapsed() {
  return Date.now() - started;
}

function emit(object) {
  process.stdout.write(JSON.stringify(object) + '\n');
}

let finished = false;

function finish(report, code = 0) {
  if (finished) return;
  finished = true;
  process.stdout.write(JSON.stringify(report) + '\n', () => process.exit(code));
}

function guard(ms, state = {}) {
  const timer = setTimeout(
    () => finish({ error: `timeout after ${ms} ms`, state }, 3),
    ms,
  );
  timer.unref();
  process.on('uncaughtException', (error) =>
    finish({ error: `uncaught: ${error && error.stack}`, state }, 4),
  );
  process.on('unhandledRejection', (error) =>
    finish({ error: `unhandled rejection: ${error && error.stack}`, state }, 4),
  );
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// What a rejected SDK call carried: the KuzzleError's fields, or the raw value.
function describeError(error) {
  if (error === null || typeof error !== 'object') return { raw: String(error) };
  return {
    type: error.constructor && error.constructor.name,
    id: error.id,
    status: error.status,
    code: error.code,
    message: error.message,
  };
}

async function settle(promise) {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error: describeError(error) };
  }
}

function args() {
  const [port, ...rest] = process.argv.slice(2);
  return { port: parseInt(port, 10), rest };
}

module.exports = { args, delay, elapsed, emit, finish, guard, settle, describeError };
