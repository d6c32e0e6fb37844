// Bundled files (scenarios/) are found relative to this module: from src/ under tsx and from
// dist/ after the build alike, by walking up to dmagate's package.json.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: unknown }).name === 'dmagate') return (root = dir);
      } catch {
        // an unreadable package.json on the way up is not ours: keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`dmagate: cannot find the package root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** A bundled file, e.g. bundledPath('scenarios', 'reference-platform.yaml'). */
export function bundledPath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}
