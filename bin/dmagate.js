#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (the `prepare` script);
// dist/bundle/main.cjs, when the build made it (scripts/build-fast.mjs), is the same CLI as one
// file, loaded with V8's code cache (./load-bundle.js; faster start: docs/performance.md).
// DMAGATE_NO_BUNDLE=1 runs dist/cli/main.js instead (readable stack traces and profiles).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'bundle', 'main.cjs');
const modules = join(root, 'dist', 'cli', 'main.js');
let main;
if (existsSync(bundle) && process.env.DMAGATE_NO_BUNDLE === undefined) {
  const { loadBundle } = await import('./load-bundle.js');
  const b = loadBundle(bundle, `${bundle}.cache`);
  main = b.exports.main;
  // scripts/build-fast.mjs runs a default matrix with this set to write the cache after it
  if (process.env.DMAGATE_WRITE_CODE_CACHE === '1') process.once('beforeExit', () => b.writeCache());
} else if (existsSync(modules)) {
  main = (await import(modules)).main;
} else {
  process.stderr.write('dmagate: not built yet (dist/cli/main.js missing); run `npm run build` in ' + root + '\n');
  process.exit(2);
}
process.exitCode = await main(process.argv.slice(2));
