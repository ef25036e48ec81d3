// The viewer side of benchmarks.telemetry in Node.js: the same clients, accounting, protocol and
// result line as benchmarks/telemetry_viewers.py, at a fraction of its CPU.
//
//     node benchmarks/telemetry_viewers.mjs --url ws://127.0.0.1:8000/ws/drones/ --viewers 200 \
//         --epochs epochs.json [--cookie sessionid=...] [--origin http://127.0.0.1:8000 | same]
//
// Why a second implementation: the load generator runs on the machine it measures. The Python
// clients spend about 5.5 us of CPU per delivered update (44 % of a core for 80,000 a second);
// 400 drones and 200 viewers deliver 320,000 a second, more than the two cores hold beside the
// system. V8 parses and checks the same updates for a fraction of that, so the system keeps the
// machine. `--viewer-client node` in benchmarks.telemetry picks this file.
//
// Each client behaves like the live map (static/js/drone_map.js): it takes the snapshot, then every
// `fleet` message, checks each drone's `seq` and asks for a `resync` snapshot on a gap. It counts
// delivered, superseded, lost, delayed (marked by the server or late on arrival, judged as
// static/js/live_clock.js does), stale (over STALE_MS old and shown as live) and the latency of
// every new vehicle state (receive time minus the time the simulator sent the position it
// carries: --epochs maps each drone to the UNIX time its clock read 0). See the Python file's
// docstring for the exact definitions; the two must count the same things.
//
// The websocket client is written here on node:net (RFC 6455: upgrade, unmasked server frames,
// fragments, ping/pong, close, masked client frames) so the benchmark needs nothing from npm and
// offers no permessage-deflate (as the Python clients without --deflate).
//
// Protocol with the benchmark: "ready <start-up s>" on stdout once every client has a vehicle
// time from every drone; "start" on stdin opens the measurement window, "stop" closes it (gaps
// are still checked for --drain s); then one JSON line with the results, and exit.

import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import net from "node:net";
import { performance } from "node:perf_hooks";
import readline from "node:readline";
import { parseArgs } from "node:util";

const CONNECT_CONCURRENCY = 10;
const STALE_MS = 1000.0;
const DRIFT_PER_MS = 0.0002;
const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const FLEET_PREFIXES = ['{"type":"fleet"', '{"type": "fleet"'];

const nowMs = () => performance.timeOrigin + performance.now(); // UNIX ms, sub-millisecond
const sinceStartS = () => performance.now() / 1000.0; // from this process's start

class Stats {
  constructor() {
    this.measuring = false;
    this.checkingGaps = false;
    this.messages = 0;
    this.delivered = 0;
    this.fresh = 0;
    this.repeats = 0;
    this.lost = 0;
    this.superseded = 0;
    this.delayed = 0;
    this.late = 0;
    this.stale = 0;
    this.reordered = 0;
    this.resyncs = 0;
    this.snapshots = 0;
    this.bytes = 0;
    this.latencies = new Float64Array(1 << 20);
    this.nLatencies = 0;
    this.worstBySecond = new Map();
    this.disconnects = 0;
    this.errors = [];
    this.staleExamples = [];
  }

  addLatency(value) {
    if (this.nLatencies === this.latencies.length) {
      const grown = new Float64Array(this.latencies.length * 2);
      grown.set(this.latencies);
      this.latencies = grown;
    }
    this.latencies[this.nLatencies++] = value;
  }
}

// The pages' judgement of an update's age on arrival (static/js/live_clock.js).
class LiveClock {
  constructor(limitMs) {
    this.limitMs = limitMs;
    this.offsetMs = null;
    this.offsetAtMs = 0;
  }

  arrived(atMs, now) {
    const seen = now - atMs;
    if (this.offsetMs === null) {
      this.offsetMs = seen;
    } else {
      const drift = DRIFT_PER_MS * Math.max(0, now - this.offsetAtMs);
      this.offsetMs = Math.min(seen, this.offsetMs + drift);
    }
    this.offsetAtMs = now;
    return now - this.offsetMs - atMs > this.limitMs;
  }
}

// A minimal RFC 6455 client over one TCP socket.
class Socket {
  constructor(url, headers) {
    this.url = new URL(url);
    this.headers = headers;
    this.chunks = [];
    this.size = 0;
    this.need = 2; // bytes the next frame needs at least (its header, then header and payload)
    this.fragments = [];
    this.open = false;
    this.onText = null;
    this.onClose = null;
  }

  connect() {
    return new Promise((resolve, reject) => {
      const key = randomBytes(16).toString("base64");
      const expected = createHash("sha1").update(key + WS_GUID).digest("base64");
      const sock = net.connect({ host: this.url.hostname, port: Number(this.url.port || 80) });
      this.sock = sock;
      sock.setNoDelay(true);
      let head = Buffer.alloc(0);
      const onData = (data) => {
        head = Buffer.concat([head, data]);
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        sock.removeListener("data", onData);
        const lines = head.subarray(0, end).toString("latin1").split("\r\n");
        const accept = lines.find((l) => l.toLowerCase().startsWith("sec-websocket-accept:"));
        if (!/^HTTP\/1\.1 101/.test(lines[0]) || !accept || accept.split(":")[1].trim() !== expected) {
          sock.destroy();
          reject(new Error(`websocket upgrade refused: ${lines[0]}`));
          return;
        }
        this.open = true;
        sock.on("data", (d) => this.receive(d));
        const rest = head.subarray(end + 4);
        if (rest.length) this.receive(rest);
        resolve();
      };
      sock.on("data", onData);
      sock.once("error", (err) => {
        if (!this.open) reject(err);
      });
      sock.on("close", () => {
        const was = this.open;
        this.open = false;
        if (was && this.onClose) this.onClose("connection closed");
      });
      sock.on("connect", () => {
        const path = this.url.pathname + this.url.search;
        let request =
          `GET ${path} HTTP/1.1\r\nHost: ${this.url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n`;
        for (const [name, value] of Object.entries(this.headers)) request += `${name}: ${value}\r\n`;
        sock.write(request + "\r\n");
      });
    });
  }

  receive(data) {
    this.chunks.push(data);
    this.size += data.length;
    for (;;) {
      if (this.size < this.need) return; // a large frame comes in many reads: join them once
      const buf = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size);
      const b0 = buf[0];
      const b1 = buf[1];
      let length = b1 & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buf.length < 4) return this.keep(buf, 4);
        length = buf.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buf.length < 10) return this.keep(buf, 10);
        length = Number(buf.readBigUInt64BE(2));
        offset = 10;
      }
      if (b1 & 0x80) offset += 4; // a masked server frame is a protocol error; read past it anyway
      if (buf.length < offset + length) return this.keep(buf, offset + length);
      const payload = buf.subarray(offset, offset + length);
      const rest = buf.subarray(offset + length);
      this.chunks = rest.length ? [rest] : [];
      this.size = rest.length;
      this.need = 2;
      this.frame(b0 & 0x80, b0 & 0x0f, payload);
    }
  }

  keep(buf, need) {
    this.chunks = [buf];
    this.need = need;
  }

  frame(fin, opcode, payload) {
    if (opcode === 0x9) {
      this.send(0xa, payload); // pong
    } else if (opcode === 0x8) {
      if (this.open) this.send(0x8, payload.subarray(0, 2));
      this.open = false;
      this.sock.end();
      if (this.onClose) this.onClose(`closed by the server (code ${payload.length >= 2 ? payload.readUInt16BE(0) : "none"})`);
    } else if (opcode === 0x1 || opcode === 0x2 || opcode === 0x0) {
      if (!fin) {
        this.fragments.push(Buffer.from(payload));
        return;
      }
      let whole = payload;
      if (this.fragments.length) {
        this.fragments.push(payload);
        whole = Buffer.concat(this.fragments);
        this.fragments = [];
      }
      if (this.onText) this.onText(whole.toString("utf8"));
    }
  }

  send(opcode, payload) {
    if (!this.open) return;
    const data = typeof payload === "string" ? Buffer.from(payload) : payload;
    const mask = randomBytes(4);
    let header;
    if (data.length < 126) {
      header = Buffer.from([0x80 | opcode, 0x80 | data.length]);
    } else {
      header = Buffer.alloc(4);
      header[0] = 0x80 | opcode;
      header[1] = 0x80 | 126;
      header.writeUInt16BE(data.length, 2);
    }
    const masked = Buffer.alloc(data.length);
    for (let i = 0; i < data.length; i++) masked[i] = data[i] ^ mask[i & 3];
    this.sock.write(Buffer.concat([header, mask, masked]));
  }

  close() {
    return new Promise((resolve) => {
      if (!this.open) return resolve();
      this.sock.once("close", resolve);
      const code = Buffer.alloc(2);
      code.writeUInt16BE(1000, 0);
      this.send(0x8, code);
      this.open = false;
      setTimeout(() => {
        this.sock.destroy();
        resolve();
      }, 5000).unref();
    });
  }
}

class Viewer {
  constructor(index, url, stats, epochsMs, nDrones, pageLimitMs) {
    this.index = index;
    this.url = url;
    this.stats = stats;
    this.epochsMs = epochsMs;
    this.nDrones = nDrones;
    this.seq = new Map();
    this.vehicleMs = new Map();
    this.clock = new LiveClock(pageLimitMs);
    this.ws = null;
    this.closed = false;
  }

  get ready() {
    return this.vehicleMs.size >= this.nDrones;
  }

  async open(headers) {
    this.ws = new Socket(this.url, headers);
    this.ws.onText = (text) => this.onText(text);
    this.ws.onClose = (why) => {
      this.closed = true;
      const stats = this.stats;
      if (stats.measuring || stats.checkingGaps) {
        stats.disconnects += 1;
        if (stats.errors.length < 5) stats.errors.push(`viewer ${this.index}: ${why}`);
      }
    };
    await this.ws.connect();
  }

  onText(text) {
    const now = nowMs();
    const stats = this.stats;
    if (stats.measuring) {
      stats.messages += 1;
      stats.bytes += text.length;
    }
    const message = JSON.parse(text);
    if (text.startsWith(FLEET_PREFIXES[0]) || text.startsWith(FLEET_PREFIXES[1])) {
      if (this.check(message.updates, now)) {
        if (stats.measuring) stats.resyncs += 1;
        this.ws.send(0x1, '{"type": "resync"}');
      }
    } else if (message.type === "snapshot") {
      for (const [drone, state] of Object.entries(message.drones || {})) {
        if (state && state.seq !== undefined && state.seq !== null) this.seq.set(Number(drone), state.seq);
      }
      if (stats.measuring) stats.snapshots += 1;
    }
  }

  // Accounts for one fleet message's updates; true if a seq jumped (a gap: resync).
  check(updates, now) {
    const stats = this.stats;
    const measuring = stats.measuring;
    const seqs = this.seq;
    const vehicleMs = this.vehicleMs;
    let gap = false;
    for (const u of updates) {
      const drone = u.drone;
      const seq = u.seq;
      const full = u.full === true;
      const marked = u.delayed === true;
      const late = u.at !== undefined && u.at !== null && this.clock.arrived(u.at, now);
      const delayed = marked || late;
      const last = seqs.get(drone);
      if (last !== undefined && !full) {
        if (seq <= last) {
          if (measuring) stats.reordered += 1;
          continue;
        }
        if (seq > last + 1) {
          gap = true;
          if (stats.checkingGaps) stats.lost += seq - last - 1;
        }
      } else if (last !== undefined && seq > last + 1 && stats.checkingGaps) {
        stats.superseded += seq - last - 1; // replaced by this newer state, not lost
      } else if (last === undefined && !full) {
        gap = true; // a change on top of a state this client never had
      }
      seqs.set(drone, seq);
      if (measuring) {
        stats.delivered += 1;
        if (delayed) stats.delayed += 1;
        if (late && !marked) stats.late += 1;
      }
      const tMs = u.state ? u.state.vehicle_time_ms : undefined;
      if (tMs === undefined || tMs === null) continue;
      const previous = vehicleMs.get(drone);
      if (previous === undefined || tMs > previous) {
        vehicleMs.set(drone, tMs);
        if (measuring) {
          stats.fresh += 1;
          const latency = now - this.epochsMs.get(drone) - tMs;
          stats.addLatency(latency);
          if (latency > STALE_MS && !delayed) {
            stats.stale += 1;
            if (stats.staleExamples.length < 10) {
              // Why it passed as live: how the bridge dated it (at minus the true send time) and how old
              // the page's clock judged it.
              const sent = this.epochsMs.get(drone) + tMs;
              stats.staleExamples.push({
                drone, latency_ms: Math.round(latency), at_error_ms: u.at == null ? null : Math.round(u.at - sent),
                judged_age_ms: u.at == null ? null : Math.round(now - this.clock.offsetMs - u.at),
              });
            }
          }
          const second = Math.floor(now / 1000);
          if (latency > (stats.worstBySecond.get(second) || 0)) stats.worstBySecond.set(second, latency);
        }
      } else if (measuring) {
        stats.repeats += 1;
      }
    }
    return gap;
  }
}

function percentile(sorted, q) {
  if (!sorted.length) return null;
  const k = Math.min(sorted.length - 1, Math.max(0, Math.round((q / 100) * (sorted.length - 1))));
  return sorted[k];
}

function cpuS() {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const { values } = parseArgs({
    options: {
      url: { type: "string", multiple: true },
      viewers: { type: "string", default: "100" },
      epochs: { type: "string" },
      cookie: { type: "string", default: "" },
      origin: { type: "string" },
      drain: { type: "string", default: "1" },
      "page-limit-ms": { type: "string", default: "900" }, // seen age the pages call delayed
      deflate: { type: "boolean", default: false },
    },
  });
  if (!values.url || !values.epochs) {
    process.stderr.write("usage: telemetry_viewers.mjs --url WS_URL [--url ...] --epochs FILE [--viewers N]\n");
    process.exit(2);
  }
  if (values.deflate) {
    process.stderr.write("--deflate: this client offers no compression; use the Python viewers\n");
    process.exit(2);
  }
  const epochsMs = new Map(
    Object.entries(JSON.parse(readFileSync(values.epochs, "utf8"))).map(([k, v]) => [Number(k), v * 1000.0]),
  );
  const stats = new Stats();
  const nViewers = Number(values.viewers);
  const viewers = [];
  for (let i = 0; i < nViewers; i++) {
    viewers.push(new Viewer(i, values.url[i % values.url.length], stats, epochsMs, epochsMs.size, Number(values["page-limit-ms"])));
  }

  // Standard input: "start" and "stop", as lines; its end stops this process.
  const waiting = new Map();
  const lines = readline.createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    const resolve = waiting.get(line.trim());
    if (resolve) {
      waiting.delete(line.trim());
      resolve();
    }
  });
  lines.on("close", () => {
    process.stderr.write("standard input closed\n");
    process.exit(1);
  });
  const lineSaid = (word) => new Promise((resolve) => waiting.set(word, resolve));

  let next = 0;
  async function opener() {
    while (next < viewers.length) {
      const viewer = viewers[next++];
      const host = new URL(viewer.url).host;
      const headers = {};
      if (values.cookie) headers.Cookie = values.cookie;
      // "same": each viewer's page is on the host it connects to, as behind a load balancer.
      if (values.origin) headers.Origin = values.origin === "same" ? `http://${host}` : values.origin;
      await viewer.open(headers);
    }
  }
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, opener));
  const connectedS = sinceStartS();
  process.stderr.write(`${viewers.length} viewers connected after ${connectedS.toFixed(1)} s\n`);

  let nextReport = sinceStartS() + 10;
  while (!viewers.every((v) => v.ready)) {
    if (viewers.some((v) => v.closed)) {
      process.stderr.write("a viewer's connection closed before it was ready\n");
      process.exit(1);
    }
    if (sinceStartS() > nextReport) {
      nextReport += 10;
      const seen = viewers.map((v) => v.vehicleMs.size).sort((a, b) => a - b);
      const ready = viewers.filter((v) => v.ready).length;
      process.stderr.write(`${ready} viewers ready; drones seen ${seen[0]}..${seen[seen.length - 1]}\n`);
    }
    await sleep(100);
  }
  const startupS = sinceStartS();
  process.stdout.write(`ready ${startupS.toFixed(2)}\n`);

  await lineSaid("start");
  const cpu0 = cpuS();
  const t0 = sinceStartS();
  stats.measuring = stats.checkingGaps = true;
  await lineSaid("stop");
  stats.measuring = false;
  const cpu1 = cpuS();
  const t1 = sinceStartS();
  await sleep(Number(values.drain) * 1000);
  stats.checkingGaps = false;

  const latencies = stats.latencies.subarray(0, stats.nLatencies).sort();
  const seconds = [...stats.worstBySecond.keys()];
  const firstSecond = seconds.length ? Math.min(...seconds) : 0;
  const worstBySecond = [];
  for (let i = 0; i <= Math.floor(t1 - t0); i++) worstBySecond.push(Math.round(stats.worstBySecond.get(firstSecond + i) || 0));
  const result = {
    pid: process.pid,
    client: "node",
    seconds: t1 - t0,
    cpu_s: cpu1 - cpu0,
    messages: stats.messages,
    bytes: stats.bytes,
    delivered: stats.delivered,
    fresh: stats.fresh,
    repeats: stats.repeats,
    lost: stats.lost,
    superseded: stats.superseded,
    delayed: stats.delayed,
    late: stats.late,
    stale: stats.stale,
    startup_s: startupS,
    connected_s: connectedS,
    reordered: stats.reordered,
    resyncs: stats.resyncs,
    snapshots: stats.snapshots,
    disconnects: stats.disconnects,
    errors: stats.errors.slice(0, 5),
    stale_examples: stats.staleExamples,
    worst_latency_ms_by_second: worstBySecond,
    latency_ms: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: latencies.length ? latencies[latencies.length - 1] : null,
      min: latencies.length ? latencies[0] : null,
    },
  };
  // The results first: closing the sockets of a server that fell behind may take a while.
  process.stdout.write(JSON.stringify(result) + "\n");
  await Promise.race([Promise.all(viewers.map((v) => v.ws.close())), sleep(30000)]);
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`viewers failed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
