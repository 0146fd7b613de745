// Runs the compiled CLI as operators do, against a store target (a SQLite file or a PostgreSQL schema).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { StoreTarget } from '../../support/stores.js';

export const cli = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

/** --database-url for the target: the SQLite file, or the PostgreSQL URL with the test schema on the search path. */
export function databaseUrlOf(target: StoreTarget): string {
  if (target.name === 'sqlite') return target.url;
  return `${target.url}${target.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${target.schema}`)}`;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: { ...process.env, DATABASE_URL: '', VALORA_DATA_DIR: '', PORT: '', ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Starts `valora serve` and resolves once it prints its listening line. */
export async function startServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', ...args], {
    env: { ...process.env, DATABASE_URL: '', VALORA_DATA_DIR: '', PORT: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = /Valora listening on (\S+)/.exec(out);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', check);
    void exited.then((code) => reject(new Error(`serve exited with ${code} before listening:\n${err.slice(-3000)}`)));
  });
  return { child, url, stdout: () => out, stderr: () => err, exited };
}

/** Waits until `predicate` holds for the process's stderr (its JSON logs). */
export async function waitForStderr(serve: ServeProcess, predicate: (stderr: string) => boolean): Promise<void> {
  while (!predicate(serve.stderr())) {
    await new Promise((resolve) => serve.child.stderr!.once('data', resolve));
  }
}
