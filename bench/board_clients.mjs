// Load generator for the live board benchmark (bench/board_load.py runs it).
//
//   node bench/board_clients.mjs CONFIG.json
//
// One Node process, many official socket.io-client sockets over the
// websocket transport, one clock (performance.now()) for senders and
// receivers alike. Progress goes to stderr; the result is one JSON line on
// stdout. Every wait is bounded; a hard deadline ends the process.
//
// CONFIG: {url, namespace, board, tokens[], columns[], mode: "broadcast"|"join",
//          rate, duration, warmup, senders, drainTimeout, connectTimeout,
//          connectConcurrency, ackTimeout, hardTimeout, serverPid, clkTck, tag}
import { readFileSync } from "node:fs";
import { performance, monitorEventLoopDelay } from "node:perf_hooks";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

// socket.io-client from the repository's node_modules, wherever we run from.
const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "package.json"));
const { io } = require("socket.io-client");

const cfg = JSON.parse(readFileSync(process.argv[2], "utf8"));
const log = (...a) => process.stderr.write(`[clients] ${a.join(" ")}\n`);
const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const hard = setTimeout(() => {
  log(`hard timeout after ${cfg.hardTimeout} s`);
  process.stdout.write(JSON.stringify({ ok: false, error: "hard-timeout" }) + "\n");
  process.exit(3);
}, cfg.hardTimeout * 1000);
hard.unref();

// Server CPU (utime+stime of the worker) and our own, read at the window's edges.
function serverCpu() {
  if (!cfg.serverPid) return null;
  try {
    const stat = readFileSync(`/proc/${cfg.serverPid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[0] is field 3 (state): utime is field 14, stime field 15.
    return (Number(fields[11]) + Number(fields[12])) / cfg.clkTck;
  } catch {
    return null;
  }
}
// The whole machine, from /proc/stat: busy and stolen time over all cores.
function systemCpu() {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: (total - f[3] - f[4]) / cfg.clkTck, steal: f[7] / cfg.clkTck, total: total / cfg.clkTck };
  } catch {
    return null;
  }
}
function clientCpu() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
function mark() {
  return { wall: now(), server: serverCpu(), client: clientCpu(), system: systemCpu() };
}
function since(start) {
  const end = mark();
  const wall = (end.wall - start.wall) / 1000;
  const server = start.server === null || end.server === null ? null : end.server - start.server;
  const client = end.client - start.client;
  const sys = start.system && end.system ? {
    // % of one core, like the others: 200 is both cores of a 2-core machine busy
    busy_pct: (100 * (end.system.busy - start.system.busy)) / wall,
    steal_pct: (100 * (end.system.steal - start.system.steal)) / wall,
  } : null;
  return { wall_s: wall, server_cpu_s: server, client_cpu_s: client, machine_busy_pct: sys && sys.busy_pct,
           machine_steal_pct: sys && sys.steal_pct,
           server_cpu_pct: server === null ? null : (100 * server) / wall, client_cpu_pct: (100 * client) / wall };
}

function percentiles(values, n) {
  if (n === 0) return { n: 0, p50: null, p95: null, p99: null, max: null, mean: null };
  const a = values.subarray(0, n).slice().sort();
  const at = (q) => a[Math.min(n - 1, Math.ceil(q * n) - 1)];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i];
  return { n, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: a[n - 1], mean: sum / n };
}

const loopDelay = monitorEventLoopDelay({ resolution: 10 });

function openSocket(i, handlers) {
  const socket = io(cfg.url + cfg.namespace, {
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    timeout: cfg.connectTimeout * 1000,
    auth: { board: cfg.board, token: cfg.tokens[i] },
    // Browsers offer permessage-deflate, and so does this client unless told not to.
    ...(cfg.deflate === false ? { perMessageDeflate: false } : {}),
  });
  for (const [event, fn] of Object.entries(handlers)) socket.on(event, fn);
  return socket;
}

// Open `count` sockets, at most `concurrency` handshakes in flight; resolves
// when every socket got its "state" (or failed), bounded by connectTimeout.
async function connectAll(count, concurrency, handlersFor) {
  const sockets = new Array(count);
  const stateAt = new Float64Array(count).fill(NaN);
  const startAt = new Float64Array(count).fill(NaN);
  const errors = {};
  let settled = 0;
  let next = 0;
  let inFlight = 0;
  const t0 = now();
  await new Promise((resolve) => {
    const deadline = setTimeout(resolve, cfg.connectTimeout * 1000);
    const done = () => {
      settled++;
      inFlight--;
      if (settled === count) {
        clearTimeout(deadline);
        resolve();
      } else launch();
    };
    const launch = () => {
      while (inFlight < concurrency && next < count) {
        const i = next++;
        inFlight++;
        startAt[i] = now();
        let finished = false;
        const finish = () => { if (!finished) { finished = true; done(); } };
        sockets[i] = openSocket(i, {
          ...handlersFor(i),
          state: () => { if (Number.isNaN(stateAt[i])) stateAt[i] = now(); finish(); },
          connect_error: (err) => {
            const key = String((err && err.data && err.data.error) || (err && err.message) || err);
            errors[key] = (errors[key] || 0) + 1;
            finish();
          },
        });
      }
    };
    if (count === 0) { clearTimeout(deadline); resolve(); } else launch();
  });
  let connected = 0;
  let last = 0;
  const each = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    if (!Number.isNaN(stateAt[i])) {
      each[connected++] = stateAt[i] - startAt[i];
      last = Math.max(last, stateAt[i] - t0);
    }
  }
  return { sockets, connected, errors, allStateMs: last, perSocketMs: percentiles(each, connected) };
}

async function closeAll(sockets) {
  for (const s of sockets) if (s) s.disconnect();
  await sleep(200);
}

async function broadcast() {
  const P = cfg.tokens.length;
  const warmupNotes = Math.round(cfg.warmup * cfg.rate);
  const measuredNotes = Math.round(cfg.duration * cfg.rate);
  const total = warmupNotes + measuredNotes;
  const sent = new Float64Array(total).fill(NaN);
  const seen = new Uint8Array(total * P); // (note, receiver) public copies, for duplicates
  const got = new Uint32Array(total); // public copies per note
  const lastAt = new Float64Array(total).fill(NaN); // when the last participant got it
  const lat = new Float64Array(measuredNotes * P);
  let nLat = 0;
  const ownLat = new Float64Array(measuredNotes);
  let nOwn = 0;
  const ackLat = new Float64Array(measuredNotes);
  let nAck = 0;
  const ackErrors = {};
  let acksOk = 0;
  let duplicates = 0;
  let strays = 0;
  let disconnects = 0;
  let measuredReceived = 0;
  let measuredSentOk = 0;
  const prefix = `bench-${cfg.tag}-`;
  let drainResolve = null;
  const expectedTotal = () => measuredSentOk * P;

  const handlersFor = (r) => ({
    note: (payload) => {
      const t = now();
      const text = payload && payload.text;
      if (typeof text !== "string" || !text.startsWith(prefix)) { strays++; return; }
      const i = Number(text.slice(prefix.length));
      if (!(i >= 0 && i < total) || Number.isNaN(sent[i])) { strays++; return; }
      if (payload.client_key !== undefined) { // the author's own copy
        if (i >= warmupNotes) ownLat[nOwn++] = t - sent[i];
        return;
      }
      const k = i * P + r;
      if (seen[k]) { duplicates++; return; }
      seen[k] = 1;
      got[i]++;
      if (got[i] === P) lastAt[i] = t;
      if (i >= warmupNotes) {
        lat[nLat++] = t - sent[i];
        measuredReceived++;
        if (drainResolve && measuredReceived >= expectedTotal()) drainResolve();
      }
    },
    disconnect: () => { disconnects++; },
  });

  log(`connecting ${P} sockets`);
  const conn = await connectAll(P, cfg.connectConcurrency, handlersFor);
  log(`connected ${conn.connected}/${P} in ${(conn.allStateMs / 1000).toFixed(2)} s`, JSON.stringify(conn.errors));
  if (conn.connected < P) {
    await closeAll(conn.sockets);
    return { ok: false, error: "not-all-connected", connected: conn.connected, connect_errors: conn.errors };
  }
  await sleep(500); // let the "me" events and the connection burst settle
  const S = Math.min(cfg.senders, P);
  // Senders spread evenly over the participants.
  const senders = Array.from({ length: S }, (_, j) => conn.sockets[Math.floor((j * P) / S)]);
  const sendLag = new Float64Array(total);
  let win = null;
  let pendingAcks = 0;
  let acksResolve = null;

  const send = (i, due) => {
    const socket = senders[i % S];
    const column = cfg.columns[i % cfg.columns.length];
    const measured = i >= warmupNotes;
    const t = now();
    sendLag[i] = t - due;
    sent[i] = t;
    pendingAcks++;
    socket.timeout(cfg.ackTimeout * 1000).emit(
      "post_note",
      { column, text: prefix + i, client_key: `k${cfg.tag}x${i}` },
      (err, answer) => {
        pendingAcks--;
        if (measured) {
          if (!err && answer && answer.ok) {
            acksOk++;
            ackLat[nAck++] = now() - t;
            measuredSentOk++;
          } else {
            const key = err ? "ack-timeout" : String((answer && answer.error) || "bad-answer");
            ackErrors[key] = (ackErrors[key] || 0) + 1;
          }
          if (drainResolve && measuredReceived >= expectedTotal()) drainResolve();
        }
        if (acksResolve && pendingAcks === 0) acksResolve();
      },
    );
  };

  loopDelay.enable();
  const t0 = now();
  await new Promise((resolve) => {
    let i = 0;
    const tick = () => {
      const t = now();
      while (i < total && t0 + (i * 1000) / cfg.rate <= t) {
        if (i === warmupNotes) { win = mark(); loopDelay.reset(); log(`measuring ${measuredNotes} notes`); }
        send(i, t0 + (i * 1000) / cfg.rate);
        i++;
      }
      if (i >= total) return resolve();
      setTimeout(tick, Math.max(0, t0 + (i * 1000) / cfg.rate - now()));
    };
    tick();
  });
  const sendingEnded = now();
  // Drain: every ack in, and every measured note at every participant, or drainTimeout.
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, cfg.drainTimeout * 1000);
    const check = () => {
      if (pendingAcks === 0 && measuredReceived >= expectedTotal()) { clearTimeout(timer); resolve(); }
    };
    drainResolve = check;
    acksResolve = check;
    check();
  });
  const usage = since(win);
  loopDelay.disable();
  const drainMs = now() - sendingEnded;

  const fanout = new Float64Array(measuredNotes);
  let nFan = 0;
  let incomplete = 0;
  for (let i = warmupNotes; i < total; i++) {
    if (!Number.isNaN(lastAt[i])) fanout[nFan++] = lastAt[i] - sent[i];
    else incomplete++;
  }
  // Per second of the window (by send time): how long each note took to reach everyone.
  const series = [];
  const tw = win ? win.wall : t0;
  for (let i = warmupNotes; i < total; i++) {
    const sec = Math.floor((sent[i] - tw) / 1000);
    while (series.length <= sec) series.push([]);
    series[sec].push(Number.isNaN(lastAt[i]) ? Infinity : lastAt[i] - sent[i]);
  }
  const perSecond = series.map((v, sec) => {
    v.sort((a, b) => a - b);
    return { s: sec, notes: v.length, fanout_p50_ms: Math.round(v[Math.floor(v.length / 2)] || 0),
             fanout_max_ms: v.length ? (Number.isFinite(v[v.length - 1]) ? Math.round(v[v.length - 1]) : null) : 0 };
  });
  const lags = sendLag.subarray(warmupNotes, total);
  let maxLag = 0;
  for (const l of lags) maxLag = Math.max(maxLag, l);
  const measuredSent = measuredNotes;
  const result = {
    ok: true,
    participants: P,
    senders: S,
    rate: cfg.rate,
    duration_s: cfg.duration,
    warmup_notes: warmupNotes,
    notes_sent: measuredSent,
    notes_acked_ok: acksOk,
    ack_errors: ackErrors,
    expected: measuredSent * P,
    received: measuredReceived,
    lost: measuredSent * P - measuredReceived,
    duplicates,
    strays,
    disconnects,
    notes_not_everywhere: incomplete,
    latency_ms: percentiles(lat, nLat),
    all_participants_ms: percentiles(fanout, nFan),
    own_copy_ms: percentiles(ownLat, nOwn),
    ack_ms: percentiles(ackLat, nAck),
    send_lag_max_ms: maxLag,
    drain_ms: drainMs,
    event_loop_delay_ms: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6,
                           max: loopDelay.max / 1e6 },
    // Frames the server sent per note: a public copy to each participant
    // and the author's own copy (python-socketio encodes a room's packet once).
    delivered: measuredReceived + nOwn,
    connect: { all_state_ms: conn.allStateMs, per_socket_ms: conn.perSocketMs },
    per_second: perSecond,
    ...usage,
  };
  await closeAll(conn.sockets);
  return result;
}

async function joins() {
  const P = cfg.tokens.length;
  loopDelay.enable();
  const win = mark();
  const conn = await connectAll(P, cfg.connectConcurrency, () => ({}));
  const usage = since(win);
  loopDelay.disable();
  log(`joined ${conn.connected}/${P} in ${(conn.allStateMs / 1000).toFixed(2)} s`, JSON.stringify(conn.errors));
  const result = {
    ok: conn.connected === P,
    participants: P,
    connected: conn.connected,
    connect_errors: conn.errors,
    all_state_ms: conn.allStateMs,
    per_socket_ms: conn.perSocketMs,
    event_loop_delay_ms: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6,
                           max: loopDelay.max / 1e6 },
    ...usage,
  };
  await closeAll(conn.sockets);
  return result;
}

const run = cfg.mode === "join" ? joins : broadcast;
run().then(
  (result) => {
    process.stdout.write(JSON.stringify(result) + "\n");
    process.exit(result.ok ? 0 : 1);
  },
  (error) => {
    log(error && error.stack ? error.stack : String(error));
    process.stdout.write(JSON.stringify({ ok: false, error: String(error) }) + "\n");
    process.exit(2);
  },
);
