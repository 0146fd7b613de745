// What every command shares: option parsing whose mistakes are user errors, whole-number options, and the
// store the options name (--database-url / --data-dir, else DATABASE_URL / VALORA_DATA_DIR, else
// <repo>/data), migrated, closed afterwards.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolveStoreUrl } from '../config.js';
import { AccountInputError, NotFoundError } from '../services/accounts/errors.js';
import { ensureBundledMarkets } from '../services/markets/ensure-bundled-markets.js';
import { openStore, type Store } from '../store/database.js';
import { migrateToLatest } from '../store/migrate.js';
import { CliError } from './cli-error.js';

export const STORE_OPTIONS = {
  'database-url': { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

export const STORE_USAGE = `  --database-url URL      postgres://… or a SQLite file (default: DATABASE_URL, else <data dir>/valora.sqlite)
  --data-dir DIR          data directory (default: VALORA_DATA_DIR, else <repo>/data)`;

/** node:util parseArgs, with its option errors reported as user mistakes (one line, exit 2). */
export function cliArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    if (error instanceof Error && /^ERR_PARSE_ARGS/.test((error as { code?: string }).code ?? '')) {
      // Node's hint about `--` for positionals that start with a dash only confuses a mistyped option.
      throw new CliError(`${error.message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, '')} (see --help)`);
    }
    throw error;
  }
}

/** What every `valora <command> <subcommand>` takes besides its own options. */
const SUBCOMMAND_OPTIONS = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ...STORE_OPTIONS } as const;

/**
 * Parses `valora <command> <subcommand> [options]`: the command's own options plus --json, --help and the
 * store options. Answers null once --help has printed the usage; a missing, unknown or repeated
 * subcommand is a CliError that shows the usage.
 */
export function subcommandArgs<const O extends NonNullable<ParseArgsConfig['options']>, const S extends string>(
  argv: string[],
  spec: { command: string; usage: string; subcommands: readonly S[]; options: O },
) {
  const options = { ...spec.options, ...SUBCOMMAND_OPTIONS } as O & typeof SUBCOMMAND_OPTIONS;
  const { values, positionals } = cliArgs({ args: argv, allowPositionals: true as const, options });
  if ((values as { help?: boolean }).help) {
    console.log(spec.usage);
    return null;
  }
  const [sub, ...rest] = positionals;
  if (sub === undefined) throw new CliError(`${spec.command} needs a subcommand: ${spec.subcommands.join(', ')}\n\n${spec.usage}`);
  if (rest.length > 0 || !(spec.subcommands as readonly string[]).includes(sub)) throw new CliError(`unknown ${spec.command} subcommand '${positionals.join(' ')}'\n\n${spec.usage}`);
  return { sub: sub as S, values };
}

/** A whole number option, or a CliError naming it. */
export function wholeNumber(value: string | undefined, option: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim()) || Number(value) < min) throw new CliError(`--${option} must be a whole number, ${min} or more (got '${value}')`);
  return Number(value);
}

/**
 * Opens and migrates the store the options name, runs fn, closes it. With `bundledMarkets`, the bundled
 * markets are imported first into a database that lacks them. Service input errors become CliErrors.
 */
export async function withCliStore<T>(values: { 'data-dir'?: string; 'database-url'?: string }, fn: (store: Store) => Promise<T>, options: { bundledMarkets?: boolean } = {}): Promise<T> {
  const store = await openStore({ url: resolveStoreUrl({ dataDir: values['data-dir'], databaseUrl: values['database-url'] }) });
  try {
    await migrateToLatest(store);
    if (options.bundledMarkets) await ensureBundledMarkets(store, { log: (m) => console.error(m) });
    return await fn(store);
  } catch (error) {
    if (error instanceof AccountInputError) throw new CliError(`--${error.field.replace('_', '-')}: ${error.message}`);
    if (error instanceof NotFoundError) throw new CliError(error.message);
    throw error;
  } finally {
    await store.close();
  }
}
