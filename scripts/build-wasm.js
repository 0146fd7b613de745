// Compiles every AssemblyScript source (src/**/*.as.ts) to WebAssembly beside its compiled JavaScript:
// src/engine/gbdt/tree-shap-kernel.as.ts → <out>/src/engine/gbdt/tree-shap-kernel.wasm, where the module
// that uses it looks (new URL('./tree-shap-kernel.wasm', import.meta.url)). `node scripts/build-wasm.js
// [out]`, out defaulting to dist (a private tsc --outDir needs the same argument).
import { existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFiles } from './find-files.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = process.argv[2] ?? 'dist';

const compiler = statSync(fileURLToPath(import.meta.url)).mtimeMs;
for (const source of findFiles(join(root, 'src'), (name) => name.endsWith('.as.ts'))) {
  const target = join(out, relative(root, source).replace(/\.as\.ts$/, '.wasm'));
  // as make would: a module newer than its source and this script is up to date
  if (existsSync(target) && statSync(target).mtimeMs >= Math.max(statSync(source).mtimeMs, compiler)) continue;
  // loaded only when something is stale: the compiler takes seconds to load
  const { default: asc } = await import('assemblyscript/asc');
  // --runtime stub: the kernels allocate nothing, so no garbage collector is linked in
  const { error, stderr } = await asc.main([source, '-O3', '--runtime', 'stub', '--noAssert', '--enable', 'simd', '--outFile', target], {});
  if (error) {
    console.error(`build-wasm: ${relative(root, source)} did not compile\n${stderr.toString()}`);
    process.exit(1);
  }
}
