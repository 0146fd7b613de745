// The store a CLI command works on: --database-url / --data-dir (else DATABASE_URL / VALORA_DATA_DIR, else
// <repo>/data), migrated, with the bundled markets imported the first time.
import { resolveStoreUrl } from '../config.js';
import { openStore, type Store } from '../store/database.js';
import { migrateToLatest } from '../store/migrate.js';
import { ensureBundledMarkets } from '../services/markets/ensure-bundled-markets.js';

export const STORE_OPTIONS = {
  'database-url': { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

export const STORE_USAGE = `  --database-url URL      postgres://… or a SQLite file (default: DATABASE_URL, else <data dir>/valora.sqlite)
  --data-dir DIR          data directory (default: VALORA_DATA_DIR, else <repo>/data)`;

export async function withCliStore<T>(values: { 'database-url'?: string; 'data-dir'?: string }, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore({ url: resolveStoreUrl({ dataDir: values['data-dir'], databaseUrl: values['database-url'] }) });
  try {
    await migrateToLatest(store);
    await ensureBundledMarkets(store, { log: (m) => console.error(m) });
    return await fn(store);
  } finally {
    await store.close();
  }
}
