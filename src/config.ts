// Where Valora keeps its data, resolved the same way by every entry point (CLI commands, the server, workers):
// an explicit option first, then the environment, then the repository's own data/ folder.
import { resolve } from 'node:path';
import { defaultDataDir } from './paths.js';

export interface StoreLocationOptions {
  /** --data-dir: the folder holding valora.sqlite (and caches). */
  dataDir?: string;
  /** --database-url: a postgres:// URL, or a SQLite file path. */
  databaseUrl?: string;
}

/** The data directory: `dataDir`, else VALORA_DATA_DIR, else `<repo>/data`. */
export function resolveDataDir(options: Pick<StoreLocationOptions, 'dataDir'> = {}): string {
  const dir = options.dataDir || process.env.VALORA_DATA_DIR || defaultDataDir;
  return resolve(dir);
}

/**
 * The URL to give openStore: `databaseUrl`, else DATABASE_URL, else the SQLite file
 * `<data dir>/valora.sqlite`.
 */
export function resolveStoreUrl(options: StoreLocationOptions = {}): string {
  const url = options.databaseUrl || process.env.DATABASE_URL;
  if (url) return url;
  return resolve(resolveDataDir(options), 'valora.sqlite');
}
