// `valora worker`: works the job queue (and sends webhooks) without serving HTTP, so batch throughput can
// grow with processes while `valora serve` answers requests. Any number may run against one PostgreSQL
// database (or one SQLite file on one machine); jobs are claimed with leases, so none runs twice and a
// killed worker's job is taken over when its lease lapses. SIGTERM/SIGINT: finish or hand back the chunk
// in hand, then exit.
import { resolveStoreUrl } from '../../config.js';
import { openStore, type Store } from '../../store/database.js';
import { migrateToLatest } from '../../store/migrate.js';
import type { ValuationEngine } from '../../services/valuation-engine.js';
import { prepareEngine } from '../../services/prepare-engine.js';
import { startJobRuntime, type JobRuntimeOptions } from '../../services/jobs/start-job-runtime.js';
import { cliArgs, wholeNumber } from '../cli-options.js';

const USAGE = `usage: valora worker [--database-url URL] [--data-dir DIR] [--concurrency N]

options:
  --database-url URL      postgres://… or a SQLite file (default: DATABASE_URL, else <data dir>/valora.sqlite)
  --data-dir DIR          data directory (default: VALORA_DATA_DIR, else <repo>/data)
  --concurrency N         jobs worked at once by this process (default 1)
  --lease-ms N            a job whose worker stops heart-beating is reclaimed after this long (default 30000)

environment:
  VALORA_WEBHOOK_ALLOW      comma-separated CIDRs (or 'loopback', 'private') webhooks may reach despite being
                            private; by default private, loopback and link-local destinations are refused`;

/**
 * Runs the queue until SIGTERM/SIGINT, then stops gracefully and resolves. Prints one line,
 * "Valora worker ready", once it is claiming jobs.
 */
export async function workQueue(store: Store, engine: ValuationEngine, options: Omit<JobRuntimeOptions, 'store' | 'engine'>): Promise<void> {
  const runtime = startJobRuntime({ store, engine, ...options, log: (message, fields) => console.error(JSON.stringify({ msg: message, ...fields })) });
  console.log(`Valora worker ready (${runtime.worker?.id ?? 'webhooks only'}, ${options.workers ?? 1} at once, ${store.location})`);
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      console.error(`received ${signal}: finishing the chunk in hand`);
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await runtime.stop();
}

export async function run(argv: string[]): Promise<number | void> {
  const { values } = cliArgs({
    args: argv,
    options: {
      'database-url': { type: 'string' },
      'data-dir': { type: 'string' },
      concurrency: { type: 'string' },
      'lease-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const concurrency = wholeNumber(values.concurrency ?? '1', 'concurrency', 1)!;
  const leaseMs = wholeNumber(values['lease-ms'] ?? '30000', 'lease-ms', 1000)!;
  const store = await openStore({ url: resolveStoreUrl({ dataDir: values['data-dir'], databaseUrl: values['database-url'] }) });
  try {
    await migrateToLatest(store);
    // Trains a market that has no model yet (as serve does) and loads them all.
    const engine = await prepareEngine(store, { log: (m) => console.error(m) });
    await workQueue(store, engine, { workers: concurrency, leaseMs });
  } finally {
    await store.close();
  }
  return 0;
}
