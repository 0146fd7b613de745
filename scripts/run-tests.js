// Runs every compiled test file (dist/**/*.test.js) with node's test runner, a process per file.
// Node 20's `node --test` takes no globs, so the file list is built here.
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { availableParallelism } from 'node:os';
import { findFiles } from './find-files.js';

// `--dir D` runs the tests compiled into D instead of dist/ (each developer may build into their own folder).
const args = process.argv.slice(2);
const dirAt = args.indexOf('--dir');
const root = dirAt >= 0 ? args.splice(dirAt, 2)[1] : 'dist';
const filter = args;
const files = findFiles(root, (name) => name.endsWith('.test.js')).filter((f) => filter.length === 0 || filter.some((p) => f.includes(p))).sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const stream = run({ files, concurrency: Math.max(2, availableParallelism()), timeout: 10 * 60_000 });
stream.on('test:fail', () => { process.exitCode = 1; });
stream.compose(spec).pipe(process.stdout);
