// POST /v1/valuations over HTTP against a `valora serve` child process, 50 connections, valuations by
// property_id over a spread of real properties that value (default request: 5 comparables and feature
// contributions, as Gadsden documents the response), one account with ample credits and rate limit.
//
// Issue 3's bar (p50 ≤ 5 ms, p99 ≤ 25 ms, ≥ 2,000 valuations/s at 50 connections) is read as a capacity bar
// plus a latency-at-load bar, because at 50 connections a closed loop's latency is just 50 ÷ throughput
// (2,000/s closed-loop means a 25 ms median whatever the server does):
//   capacity: the most valuations/s 50 closed-loop connections get (autocannon), ≥ 2,000/s;
//   latency:  p50 ≤ 5 ms and p99 ≤ 25 ms at a fixed offered rate of 2,000 requests/s over 50 connections,
//             measured open-loop from each request's scheduled send time (wrk2-style, so a stalled server
//             cannot hide its queue: coordinated omission is accounted for).
// The fixed rate is driven by the small open-loop client below, not autocannon's `overallRate`: autocannon
// lets each connection send its per-second quota back to back and then idle until the next second (a burst
// of 2,000 closed-loop requests each second), and its coordinated-omission correction assumes a 1 ms
// interval whatever the rate.
// Peers in the same run: the same server's /healthz (the floor of the HTTP stack) and the same valuations
// with `explain: false` (no TreeSHAP), which separates the engine's explanation cost from the service's.
// Options: --database-url=URL (PostgreSQL; PostgreSQL's own CPU per request is then reported too, summed over
// every postgres process on the machine), --data-dir=DIR (reuse trained models), --workers=N[,M…] (serve
// processes; default 1,2: every phase with one process, then with two, in the same run), --duration=S (default 10), --connections=C (default 50), --rate=R (default 2000), --runs=N
// (default 1; the median of each figure is printed too), --accounts=N (spread the load over N accounts;
// default 1, the worst case: every request charges the same ledger holder), --server-node-args=A,B (e.g.
// --cpu-prof,--cpu-prof-dir=/tmp/prof to profile the server), --phases=closed,fixed,unexplained,health (a subset).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openStore } from '../src/store/database.js';

const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const runFile = promisify(execFile);

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (options: Record<string, unknown>, done: (error: Error | null, result: AutocannonResult) => void) => unknown;

type CpuFields = 'cpuMsPerRequest' | 'databaseCpuMsPerRequest' | 'clientCpuMsPerRequest';

/** What one measured phase reports, closed- or open-loop. */
interface Phase {
  p50: number;
  p99: number;
  perSecond: number;
  total: number;
  non2xx: number;
  errors: number;
  cpuMsPerRequest: number | null;
  /** PostgreSQL's CPU per request (every postgres process), when the server runs on PostgreSQL. */
  databaseCpuMsPerRequest: number | null;
  /** This process's CPU per request: the load generator's share of the same cores. */
  clientCpuMsPerRequest: number;
}

function option(args: string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  return args.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function startServe(nodeArgs: string[], args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...nodeArgs, cli, 'serve', '--port', '0', '--log-level', 'warn', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /Valora listening on (\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`valora serve exited (${code}) before listening:\n${stderr.slice(-2000)}`)));
  });
  return { child, url };
}

/**
 * CPU seconds used so far, from one pass over /proc, by the server and its direct children (cluster
 * workers), and by every PostgreSQL process on the machine (the server's backends, and any other
 * database's): unlike latency, CPU time per request hardly moves when other processes compete for the
 * cores. null off Linux.
 */
function cpuSeconds(serverPid: number): { server: number; postgres: number } | null {
  try {
    let server = 0;
    let postgres = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let text: string;
      try {
        text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue;
      }
      const command = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
      // After the command: state(0) ppid(1) … utime(11) stime(12).
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      if (Number(entry) === serverPid || Number(fields[1]) === serverPid) server += ticks;
      else if (command === 'postgres') postgres += ticks;
    }
    return { server: server / 100, postgres: postgres / 100 };
  } catch {
    return null;
  }
}

/**
 * Open-loop load at a fixed rate over `connections` keep-alive connections: request i is due at
 * start + i/rate; it goes out on the first idle connection (waiting in a queue when all are busy) and its
 * latency runs from when it was due, not from when it was sent. Raw sockets and a minimal response reader
 * (status line and Content-Length, which Fastify always sends), so the client costs little of the CPU the
 * server shares with it.
 */
async function openLoop(url: string, rate: number, connections: number, seconds: number, requestBytes: (i: number) => Buffer): Promise<{ latencies: Float64Array; ok: number; non2xx: number; errors: number; elapsedS: number; answered: number }> {
  const { hostname, port } = new URL(url);
  const total = Math.round(rate * seconds);
  const latencies = new Float64Array(total);
  let completed = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const queue: number[] = []; // indices due but not yet sent
  interface Conn {
    socket: Socket;
    busy: number; // index in flight, or -1
    chunks: Buffer[];
    length: number;
  }
  const idle: Conn[] = [];
  const conns: Conn[] = [];
  let start = 0; // set once every connection is open: the schedule starts then
  const dueAt = (i: number) => start + (i * 1000) / rate;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));

  const send = (conn: Conn, i: number) => {
    conn.busy = i;
    conn.socket.write(requestBytes(i));
  };
  const complete = (conn: Conn, status: number) => {
    const i = conn.busy;
    latencies[i] = performance.now() - dueAt(i);
    if (status >= 200 && status < 300) ok++;
    else non2xx++;
    conn.busy = -1;
    if (++completed === total) finish();
    const next = queue.shift();
    if (next !== undefined) send(conn, next);
    else idle.push(conn);
  };
  const onData = (conn: Conn, chunk: Buffer) => {
    conn.chunks.push(chunk);
    conn.length += chunk.length;
    const data = conn.chunks.length === 1 ? conn.chunks[0]! : Buffer.concat(conn.chunks, conn.length);
    const headerEnd = data.indexOf('\r\n\r\n');
    if (headerEnd < 0) return;
    const head = data.toString('latin1', 0, headerEnd);
    const contentLength = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    const end = headerEnd + 4 + contentLength;
    if (data.length < end) {
      conn.chunks = [data];
      return;
    }
    conn.chunks = data.length > end ? [data.subarray(end)] : [];
    conn.length = data.length - end;
    complete(conn, Number(head.slice(9, 12)));
  };
  await Promise.all(
    Array.from({ length: connections }, () => {
      const conn: Conn = { socket: connect(Number(port), hostname), busy: -1, chunks: [], length: 0 };
      conn.socket.setNoDelay(true);
      conn.socket.on('data', (chunk: Buffer) => onData(conn, chunk));
      conn.socket.on('error', () => {
        if (conn.busy >= 0) {
          errors++;
          latencies[conn.busy] = Number.POSITIVE_INFINITY;
          if (++completed === total) finish();
          conn.busy = -1;
        }
      });
      idle.push(conn);
      conns.push(conn);
      return new Promise((resolve) => conn.socket.once('connect', resolve));
    }),
  );
  start = performance.now();
  let next = 0;
  const tick = () => {
    for (const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1); next < due; next++) {
      const conn = idle.pop();
      if (conn) send(conn, next);
      else queue.push(next);
    }
    if (next < total) setTimeout(tick, 1);
  };
  tick();
  // An overloaded server could take minutes to work through its queue: after twice the run's length,
  // whatever is still unanswered counts as infinitely late.
  const cutoff = setTimeout(finish, 2 * seconds * 1000);
  await done;
  clearTimeout(cutoff);
  const elapsedS = (performance.now() - start) / 1000;
  for (let i = 0; i < total; i++) if (latencies[i] === 0) latencies[i] = Number.POSITIVE_INFINITY;
  queue.length = 0;
  next = total;
  for (const conn of conns) conn.socket.destroy();
  return { latencies, ok, non2xx, errors, elapsedS, answered: completed };
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export async function run(args: string[]): Promise<void> {
  const autocannon = ((await import('autocannon' as string)) as { default: Autocannon }).default;
  const duration = Number(option(args, 'duration') ?? 10);
  const connections = Number(option(args, 'connections') ?? 50);
  const rate = Number(option(args, 'rate') ?? 2000);
  const runs = Number(option(args, 'runs') ?? 1);
  const workerCounts = (option(args, 'workers') ?? '1,2').split(',').map((w) => Number(w));
  if (workerCounts.some((w) => !Number.isInteger(w) || w < 1)) throw new Error('--workers takes whole numbers, e.g. --workers=1,2');
  const accountsWanted = Number(option(args, 'accounts') ?? 1);
  const databaseUrl = option(args, 'database-url');
  const givenDir = option(args, 'data-dir');
  const nodeArgs = (option(args, 'server-node-args') ?? '').split(',').filter(Boolean);
  const phases = new Set((option(args, 'phases') ?? 'closed,fixed,unexplained,health').split(','));
  const dataDir = givenDir ?? mkdtempSync(join(tmpdir(), 'valora-bench-api-'));
  const location = databaseUrl ? ['--database-url', databaseUrl] : ['--data-dir', dataDir];
  const env = { ...process.env };
  delete env.DATABASE_URL;

  const serve = async (workers: number) => {
    const started = Date.now();
    const server = await startServe(nodeArgs, [...location, '--workers', String(workers), '--workers-in-process', '0'], env);
    console.log(`\nserver: valora serve --workers ${workers} on ${databaseUrl ? 'PostgreSQL' : 'SQLite'}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s (first start trains models)`);
    return server;
  };
  const stop = async (server: ChildProcess) => {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  };
  let { child, url } = await serve(workerCounts[0]!);
  const keys: string[] = [];
  const ids: Array<{ property_id: number; date: string }> = [];
  try {
    for (let i = 0; i < accountsWanted; i++) {
      const { stdout } = await runFile(process.execPath, [cli, 'accounts', 'create', '--email', `bench-${Date.now()}-${i}@example.com`, '--credits', '100000000', '--rate-limit', '1000000000', '--json', ...location], { env });
      keys.push((JSON.parse(stdout) as { api_key: string }).api_key);
    }

    // A spread of properties that value: the ones with sales, across every market.
    const store = await openStore({ url: databaseUrl ?? join(dataDir, 'valora.sqlite') });
    // The bundled markets' sales are historical: value each property as of the day after its market's last sale.
    const rows = await store.db.selectFrom('sales').select(['property_id', 'market_id']).distinct().orderBy('property_id').execute();
    const lastSale = new Map((await store.db.selectFrom('sales').select(['market_id', (eb) => eb.fn.max('sale_date').as('last')]).groupBy('market_id').execute()).map((r) => [r.market_id, String(r.last)]));
    await store.close();
    const dayAfter = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const stride = Math.max(1, Math.floor(rows.length / 2000));
    const candidates = rows.filter((_, i) => i % stride === 0).map((r) => ({ property_id: r.property_id, date: dayAfter(lastSale.get(r.market_id)!) }));
    const probe = async (body: object) =>
      (await fetch(`${url}/v1/valuations`, { method: 'POST', headers: { authorization: `Bearer ${keys[0]}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as Promise<{ status?: string }>;
    for (const candidate of candidates) {
      if (ids.length >= 500) break;
      if ((await probe(candidate)).status === 'success') ids.push(candidate);
    }
    if (ids.length === 0) throw new Error('no property valued successfully; is the engine ready?');
    console.log(`properties: ${ids.length} that value (of ${candidates.length} probed), accounts: ${keys.length}, ${connections} connections, ${duration} s per phase, ${runs} run(s)`);

    for (const [w, workers] of workerCounts.entries()) {
      if (w > 0) {
        await stop(child);
        ({ child, url } = await serve(workers));
      }
      await measure(workers);
    }
  } finally {
    await stop(child);
    if (!givenDir) rmSync(dataDir, { recursive: true, force: true });
  }

  /** Every phase against the server now running (`workers` processes), and the bars. */
  async function measure(workers: number): Promise<void> {
    const { hostname, port } = new URL(url);
    const bodies = (extra: object) => ids.map((id) => JSON.stringify({ ...id, ...extra }));
    const requestBytesFor = (path: string, payloads: string[] | null) => {
      const cache = new Map<number, Buffer>();
      return (i: number) => {
        const slot = (payloads ? i % payloads.length : 0) * keys.length + (i % keys.length);
        let bytes = cache.get(slot);
        if (!bytes) {
          const head = `${payloads ? 'POST' : 'GET'} ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${keys[i % keys.length]}\r\n`;
          const body = payloads ? payloads[i % payloads.length]! : '';
          bytes = Buffer.from(payloads ? `${head}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}` : `${head}\r\n`);
          cache.set(slot, bytes);
        }
        return bytes;
      };
    };
    const withCpu = async (measure: () => Promise<Omit<Phase, CpuFields>>): Promise<Phase> => {
      const before = cpuSeconds(child.pid!);
      const clientBefore = process.cpuUsage();
      const result = await measure();
      const after = cpuSeconds(child.pid!);
      const client = process.cpuUsage(clientBefore);
      const perRequest = (from: number | undefined, to: number | undefined) => (from !== undefined && to !== undefined ? ((to - from) * 1000) / Math.max(1, result.total) : null);
      return {
        ...result,
        cpuMsPerRequest: perRequest(before?.server, after?.server),
        databaseCpuMsPerRequest: databaseUrl ? perRequest(before?.postgres, after?.postgres) : null,
        clientCpuMsPerRequest: (client.user + client.system) / 1000 / Math.max(1, result.total),
      };
    };
    let n = 0;
    const closedLoop = (path: string, payloads: string[] | null, seconds: number) =>
      withCpu(
        () =>
          new Promise<Omit<Phase, CpuFields>>((resolve, reject) =>
            autocannon(
              {
                url: url + path,
                connections,
                duration: seconds,
                method: payloads ? 'POST' : 'GET',
                headers: { 'content-type': 'application/json' },
                requests: [
                  {
                    setupRequest: (request: Record<string, unknown>) => {
                      const i = n++;
                      const headers = { ...(request.headers as object), authorization: `Bearer ${keys[i % keys.length]}` };
                      return payloads ? { ...request, headers, body: payloads[i % payloads.length] } : { ...request, headers };
                    },
                  },
                ],
              },
              (error, r) =>
                error
                  ? reject(error)
                  : resolve({ p50: r.latency.p50, p99: r.latency.p99, perSecond: r.requests.average, total: r.requests.total, non2xx: r.non2xx, errors: r.errors }),
            ),
          ),
      );
    const fixedRate = (path: string, payloads: string[] | null, seconds: number) =>
      withCpu(async () => {
        const r = await openLoop(url, rate, connections, seconds, requestBytesFor(path, payloads));
        const sorted = r.latencies.slice().sort();
        return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), perSecond: r.answered / r.elapsedS, total: r.answered, non2xx: r.non2xx, errors: r.errors + (r.latencies.length - r.answered) };
      });

    const defaults = bodies({});
    const unexplainedBodies = bodies({ explain: false });
    await closedLoop('/v1/valuations', defaults, 2); // warm-up
    const results: Record<string, Phase[]> = { closed: [], fixed: [], unexplained: [], health: [] };
    const line = (label: string, r: Phase) =>
      `${label.padEnd(34)} p50 ${r.p50.toFixed(1).padStart(6)} ms   p99 ${r.p99.toFixed(1).padStart(6)} ms   ${Math.round(r.perSecond).toLocaleString('en').padStart(7)} req/s   ` +
      `server CPU ${r.cpuMsPerRequest === null ? '?' : r.cpuMsPerRequest.toFixed(3)} ms/request, ` +
      (r.databaseCpuMsPerRequest === null ? '' : `PostgreSQL ${r.databaseCpuMsPerRequest.toFixed(3)}, `) +
      `client ${r.clientCpuMsPerRequest.toFixed(3)}   (${r.total} requests, ${r.non2xx} non-2xx, ${r.errors} errors)`;
    const labels: Record<string, string> = {
      closed: 'valuations, closed loop (capacity)',
      fixed: `valuations at ${rate.toLocaleString('en')}/s offered (open loop)`,
      unexplained: '  … explain: false, closed loop',
      health: 'GET /healthz (peer), closed loop',
    };
    for (let k = 0; k < runs; k++) {
      const at = new Date().toISOString().slice(0, 19) + 'Z';
      if (phases.has('closed')) results.closed!.push(await closedLoop('/v1/valuations', defaults, duration));
      if (phases.has('fixed')) results.fixed!.push(await fixedRate('/v1/valuations', defaults, duration));
      if (phases.has('unexplained')) results.unexplained!.push(await closedLoop('/v1/valuations', unexplainedBodies, duration));
      if (phases.has('health')) results.health!.push(await closedLoop('/healthz', null, duration));
      console.log(`run ${k + 1} (${at}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores, other processes share them)`);
      for (const name of Object.keys(labels)) if (phases.has(name)) console.log(`  ${line(labels[name]!, results[name]!.at(-1)!)}`);
    }
    const summary = (name: string): Phase => {
      const all = results[name]!;
      const measured = (pick: (r: Phase) => number | null) => {
        const values = all.map(pick).filter((c): c is number => c !== null);
        return values.length ? median(values) : null;
      };
      return {
        p50: median(all.map((r) => r.p50)),
        p99: median(all.map((r) => r.p99)),
        perSecond: median(all.map((r) => r.perSecond)),
        total: all.reduce((s, r) => s + r.total, 0),
        non2xx: all.reduce((s, r) => s + r.non2xx, 0),
        errors: all.reduce((s, r) => s + r.errors, 0),
        cpuMsPerRequest: measured((r) => r.cpuMsPerRequest),
        databaseCpuMsPerRequest: measured((r) => r.databaseCpuMsPerRequest),
        clientCpuMsPerRequest: median(all.map((r) => r.clientCpuMsPerRequest)),
      };
    };
    if (runs > 1) {
      console.log(`median of ${runs} runs`);
      for (const name of Object.keys(labels)) if (phases.has(name)) console.log(`  ${line(labels[name]!, summary(name))}`);
    }
    if (!phases.has('closed') || !phases.has('fixed')) return;
    const capacity = summary('closed');
    const atRate = summary('fixed');
    const rateKept = atRate.perSecond >= rate * 0.98;
    console.log(
      `bars with ${workers} serving process${workers > 1 ? 'es' : ''}: capacity ≥ 2,000/s ${capacity.perSecond >= 2000 ? 'met' : 'MISSED'}; at ${rate.toLocaleString('en')}/s offered${rateKept ? '' : ' (NOT sustained)'}: ` +
        `p50 ≤ 5 ms ${atRate.p50 <= 5 && rateKept ? 'met' : 'MISSED'}, p99 ≤ 25 ms ${atRate.p99 <= 25 && rateKept ? 'met' : 'MISSED'}`,
    );
  }
}
