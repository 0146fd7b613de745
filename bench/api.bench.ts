// POST /v1/valuations over HTTP against a `valora serve` child process, driven by autocannon: 50
// connections, valuations by property_id over a spread of properties that value, one account with ample
// credits and rate limit. Peer in the same run: the same server's /healthz (the floor of the HTTP stack),
// and the same valuations with `explain: false` (no TreeSHAP), which separates the engine's explanation
// cost from the service's.
// Bars (issue 3): p50 ≤ 5 ms, p99 ≤ 25 ms, ≥ 2,000 valuations/s.
// Options: --database-url=URL (PostgreSQL), --data-dir=DIR (reuse trained models), --workers=N (serve
// processes), --duration=S (default 10), --connections=C (default 50), --accounts=N (spread the load over
// N accounts; default 1, the worst case: every request charges the same ledger holder).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
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
  statusCodeStats?: Record<string, { count: number }>;
}
type Autocannon = (options: Record<string, unknown>, done: (error: Error | null, result: AutocannonResult) => void) => unknown;

function option(args: string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  return args.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

async function startServe(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--log-level', 'warn', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
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
 * CPU seconds used so far by the server and its direct children (cluster workers), from /proc: unlike
 * latency, CPU time per request hardly moves when other processes compete for the cores. null off Linux.
 */
function serverCpuSeconds(pid: number): number | null {
  try {
    const stat = (p: number | string) => readFileSync(`/proc/${p}/stat`, 'utf8').slice(readFileSync(`/proc/${p}/stat`, 'utf8').lastIndexOf(')') + 2).split(' ');
    let ticks = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let fields: string[];
      try {
        fields = stat(entry);
      } catch {
        continue;
      }
      // After the command: state(0) ppid(1) … utime(11) stime(12).
      if (Number(entry) === pid || Number(fields[1]) === pid) ticks += Number(fields[11]) + Number(fields[12]);
    }
    return ticks / 100;
  } catch {
    return null;
  }
}

export async function run(args: string[]): Promise<void> {
  const autocannon = ((await import('autocannon' as string)) as { default: Autocannon }).default;
  const duration = Number(option(args, 'duration') ?? 10);
  const connections = Number(option(args, 'connections') ?? 50);
  const workers = option(args, 'workers') ?? '1';
  const accountsWanted = Number(option(args, 'accounts') ?? 1);
  const databaseUrl = option(args, 'database-url');
  const givenDir = option(args, 'data-dir');
  const dataDir = givenDir ?? mkdtempSync(join(tmpdir(), 'valora-bench-api-'));
  const location = databaseUrl ? ['--database-url', databaseUrl] : ['--data-dir', dataDir];
  const env = { ...process.env };
  delete env.DATABASE_URL;

  const started = Date.now();
  const { child, url } = await startServe([...location, '--workers', workers, '--workers-in-process', '0'], env);
  console.log(`server: valora serve --workers ${workers} on ${databaseUrl ? 'PostgreSQL' : 'SQLite'}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s (first start trains models)`);
  try {
    const keys: string[] = [];
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
    const ids: Array<{ property_id: number; date: string }> = [];
    for (const candidate of candidates) {
      if (ids.length >= 500) break;
      if ((await probe(candidate)).status === 'success') ids.push(candidate);
    }
    if (ids.length === 0) throw new Error('no property valued successfully; is the engine ready?');
    console.log(`properties: ${ids.length} that value (of ${candidates.length} probed), accounts: ${keys.length}, ${connections} connections, ${duration} s each`);

    let n = 0;
    const drive = async (path: string, post: boolean, seconds: number, extra: object = {}) => {
      const cpuBefore = serverCpuSeconds(child.pid!);
      const result = await driveOnly(path, post, seconds, extra);
      const cpuAfter = serverCpuSeconds(child.pid!);
      const cpuMsPerRequest = cpuBefore !== null && cpuAfter !== null ? ((cpuAfter - cpuBefore) * 1000) / Math.max(1, result.requests.total) : null;
      return { ...result, cpuMsPerRequest };
    };
    const driveOnly = (path: string, post: boolean, seconds: number, extra: object = {}) =>
      new Promise<AutocannonResult>((resolve, reject) =>
        autocannon(
          {
            url: url + path,
            connections,
            duration: seconds,
            method: post ? 'POST' : 'GET',
            headers: { 'content-type': 'application/json' },
            requests: [
              {
                setupRequest: (request: Record<string, unknown>) => {
                  const i = n++;
                  const headers = { ...(request.headers as object), authorization: `Bearer ${keys[i % keys.length]}` };
                  return post ? { ...request, headers, body: JSON.stringify({ ...ids[i % ids.length], ...extra }) } : { ...request, headers };
                },
              },
            ],
          },
          (error, result) => (error ? reject(error) : resolve(result)),
        ),
      );
    await drive('/v1/valuations', true, 2); // warm-up
    const valuations = await drive('/v1/valuations', true, duration);
    // The same requests without feature contributions: the service's own cost with the engine's TreeSHAP left out.
    const unexplained = await drive('/v1/valuations', true, duration, { explain: false });
    const health = await drive('/healthz', false, duration);
    const line = (label: string, r: AutocannonResult & { cpuMsPerRequest: number | null }) =>
      `${label.padEnd(22)} p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   ${Math.round(r.requests.average).toLocaleString('en').padStart(7)} req/s   ` +
      `server CPU ${r.cpuMsPerRequest === null ? '?' : r.cpuMsPerRequest.toFixed(2)} ms/request   (${r.requests.total} requests, ${r.non2xx} non-2xx, ${r.errors} errors)`;
    console.log(line('POST /v1/valuations', valuations));
    console.log(line('  … explain: false', unexplained));
    console.log(line('GET /healthz (peer)', health));
    console.log(`load average during the run: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores (other processes share them)`);
    console.log(`bars: p50 ≤ 5 ms ${valuations.latency.p50 <= 5 ? 'met' : 'MISSED'}, p99 ≤ 25 ms ${valuations.latency.p99 <= 25 ? 'met' : 'MISSED'}, ≥ 2,000/s ${valuations.requests.average >= 2000 ? 'met' : 'MISSED'}`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    if (!givenDir) rmSync(dataDir, { recursive: true, force: true });
  }
}
