import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { existsSync } from 'node:fs';

// The repository root: found by walking up from this module (src/ in development, dist/src/ when built).
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(resolve(dir, 'package.json')) && existsSync(resolve(dir, 'markets'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find the Valora repository root (package.json next to markets/)');
}

export const repoRoot = findRoot();
/** The bundled markets' data and definitions. */
export const marketsDir = resolve(repoRoot, 'markets');
/** Default data directory (the SQLite file, caches) unless VALORA_DATA_DIR or --data-dir says otherwise. */
export const defaultDataDir = resolve(repoRoot, 'data');
