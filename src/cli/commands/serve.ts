// `valora serve`: migrate, import the bundled markets on first start, load or train every market's model,
// create a first account on an empty database, then listen. stdout carries only lines for the operator
// (exactly one contains "Valora listening on"); the JSON request logs go to stderr.
import cluster from 'node:cluster';
import { resolveDataDir, resolveStoreUrl } from '../../config.js';
import { ensureDemoUkMarket } from '../../data/uk/ensure-demo-market.js';
import { buildServer } from '../../api/server.js';
import { openStore, type Store } from '../../store/database.js';
import { migrateToLatest } from '../../store/migrate.js';
import { countAccounts } from '../../store/repositories/accounts.js';
import { createAccount } from '../../services/accounts/create-account.js';
import { ensureBundledMarkets } from '../../services/markets/ensure-bundled-markets.js';
import { startJobRuntime } from '../../services/jobs/start-job-runtime.js';
import { prepareEngine } from '../../services/prepare-engine.js';
import { CliError } from '../cli-error.js';
import { cliArgs, wholeNumber } from '../cli-options.js';

const USAGE = `usage: valora serve [--port 8080] [--host 127.0.0.1] [--data-dir DIR] [--database-url URL] [--workers N] [--log-level info]

options:
  --port N                port to listen on (default: PORT, else 8080)
  --host H                address to bind (default: HOST, else 127.0.0.1; 0.0.0.0 for every interface)
  --database-url URL      postgres://… or a SQLite file (default: DATABASE_URL, else <data dir>/valora.sqlite)
  --data-dir DIR          data directory (default: VALORA_DATA_DIR, else <repo>/data)
  --workers N             serve from N processes sharing the port (default 1)
  --workers-in-process N  batch-job claim loops in each serving process (default 1; 0 leaves the queue to
                          \`valora worker\` processes; webhooks are dispatched either way)
  --log-level L           fatal, error, warn, info, debug (default: VALORA_LOG_LEVEL, else info); logs go to stderr
  --first-credits N       credits of the first account created on an empty database (default 100)`;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

interface ServeOptions {
  port: number;
  host: string;
  storeUrl: string;
  dataDir: string;
  workers: number;
  jobWorkers: number;
  logLevel: string;
  firstCredits: number;
}

function parse(argv: string[]): ServeOptions | null {
  const { values } = cliArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      workers: { type: 'string' },
      'workers-in-process': { type: 'string' },
      'log-level': { type: 'string' },
      'first-credits': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return null;
  const port = wholeNumber(values.port ?? process.env.PORT ?? '8080', 'port', 0)!;
  if (port > 65535) throw new CliError(`--port must be at most 65535 (got ${port})`);
  const logLevel = values['log-level'] ?? process.env.VALORA_LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new CliError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  return {
    port,
    host: values.host ?? process.env.HOST ?? '127.0.0.1',
    storeUrl: resolveStoreUrl({ dataDir: values['data-dir'], databaseUrl: values['database-url'] }),
    dataDir: resolveDataDir({ dataDir: values['data-dir'] }),
    workers: wholeNumber(values.workers ?? '1', 'workers', 1)!,
    jobWorkers: wholeNumber(values['workers-in-process'] ?? '1', 'workers-in-process', 0)!,
    logLevel,
    firstCredits: wholeNumber(values['first-credits'] ?? '100', 'first-credits', 0)!,
  };
}

/** One-time setup every process would otherwise race on: schema, bundled markets, the first account. */
async function prepareStore(options: ServeOptions): Promise<void> {
  const store = await openStore({ url: options.storeUrl });
  try {
    await migrateToLatest(store);
    await ensureBundledMarkets(store, { log: (m) => console.error(m) });
    // The synthetic UK demo market answers Gadsden's UPRN and postcode + address examples out of the box.
    await ensureDemoUkMarket(store, { dataDir: options.dataDir, log: (m) => console.error(m) });
    if ((await countAccounts(store.db)) === 0) {
      const { account, apiKey } = await createAccount(store, { email: 'admin@localhost', credits: options.firstCredits, withKey: true, keyName: 'first key' });
      console.log(`First account created: ${account.email} (id ${account.id}, ${options.firstCredits} credits)`);
      console.log(`First API key (shown once, store it now): ${apiKey}`);
    }
    // Several serving processes must not each train the same models: train here, once, before forking.
    if (options.workers > 1) await prepareEngine(store, { log: (m) => console.error(m) });
  } finally {
    await store.close();
  }
}

/** Opens the store, loads the engine and listens; resolves with the URL once requests are accepted. */
async function startServer(options: ServeOptions): Promise<{ url: string; stop: () => Promise<void> }> {
  const store = await openStore({ url: options.storeUrl });
  const engine = await prepareEngine(store, { log: (m) => console.error(m), train: options.workers === 1 });
  // Several processes serving one database must count rate limits in it; one process may count in memory.
  const config = options.workers > 1 ? { rateLimitCounting: 'database' as const } : {};
  const app = await buildServer({ store, engine, config, logger: { level: options.logLevel, stream: process.stderr } });
  const jobs = startJobRuntime({ store, engine, workers: options.jobWorkers, log: (message, fields) => app.log.info(fields ?? {}, message) });
  const address = await app.listen({ port: options.port, host: options.host });
  let stopping: Promise<void> | null = null;
  return {
    url: address,
    stop: () =>
      (stopping ??= (async () => {
        // Stop accepting and let in-flight requests finish, while job workers finish or hand back their chunk.
        await Promise.all([app.close(), jobs.stop()]);
        await store.close();
      })()),
  };
}

function onSignals(stop: () => Promise<void>): void {
  const handler = (signal: NodeJS.Signals) => {
    console.error(`received ${signal}: finishing in-flight requests`);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}

export async function run(argv: string[]): Promise<number | void> {
  if (cluster.isWorker) return runWorker();
  const options = parse(argv);
  if (!options) {
    console.log(USAGE);
    return 0;
  }
  await prepareStore(options);
  if (options.workers === 1) {
    const server = await startServer(options);
    onSignals(server.stop);
    printReady(server.url);
    return new Promise<void>(() => {}); // serve until a signal
  }
  return runPrimary(options, argv);
}

function printReady(url: string): void {
  const shown = url.replace('://0.0.0.0', '://127.0.0.1').replace('://[::]', '://127.0.0.1');
  console.log(`Valora listening on ${shown}`);
  console.log(`API reference: ${shown}/docs (OpenAPI document: ${shown}/v1/openapi.json)`);
  console.log(`Dashboard: ${shown}/dashboard (sign in with an API key)`);
}

/** Forks the workers (they share the port through the cluster module) and reports once all listen. */
async function runPrimary(options: ServeOptions, argv: string[]): Promise<void> {
  cluster.setupPrimary({ args: ['serve', ...argv] });
  let listening = 0;
  let url = '';
  let shuttingDown = false;
  for (let i = 0; i < options.workers; i++) cluster.fork({ VALORA_WORKER_OPTIONS: JSON.stringify(options) });
  cluster.on('message', (_worker, message: { listening?: string }) => {
    if (message.listening) {
      url = message.listening;
      if (++listening === options.workers) printReady(url);
    }
  });
  cluster.on('exit', (worker, code) => {
    if (!shuttingDown) {
      console.error(`worker ${worker.process.pid} exited (${code}); starting another`);
      cluster.fork({ VALORA_WORKER_OPTIONS: JSON.stringify(options) });
    } else if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  });
  const stop = (signal: NodeJS.Signals) => {
    shuttingDown = true;
    console.error(`received ${signal}: finishing in-flight requests`);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return new Promise<void>(() => {});
}

async function runWorker(): Promise<void> {
  const options = JSON.parse(process.env.VALORA_WORKER_OPTIONS ?? '{}') as ServeOptions;
  const server = await startServer(options);
  onSignals(server.stop);
  process.send?.({ listening: server.url });
  return new Promise<void>(() => {});
}
