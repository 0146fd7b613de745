// The files under a directory (recursively) whose names pass a test, for the build and test scripts.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function findFiles(dir, wanted, found = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findFiles(path, wanted, found);
    else if (wanted(name)) found.push(path);
  }
  return found;
}
