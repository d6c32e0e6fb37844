#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (the `prepare` script);
// dist/bundle/main.js, when the build made it (scripts/build-fast.mjs), is the same CLI as one
// file (faster start; docs/performance.md).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'bundle', 'main.js');
const entry = existsSync(bundle) && process.env.DMAGATE_NO_BUNDLE === undefined ? bundle : join(root, 'dist', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('dmagate: not built yet (dist/cli/main.js missing); run `npm run build` in ' + root + '\n');
  process.exit(2);
}
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
