/** Locations inside the installed package, valid both from src/ (tsx, vitest) and from dist/ (node). */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`zbridge: package.json not found above ${start}`);
    dir = parent;
  }
  return dir;
}

export const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
/** The bundled v2 metadata snapshot (modules.json, users.json, fields/{api_name}.json). */
export const snapshotDir = join(packageRoot, 'src', 'v2', 'snapshot');
export const samplesDir = join(packageRoot, 'samples');
