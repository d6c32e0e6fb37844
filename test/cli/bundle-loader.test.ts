// The installed bin's fast path (bin/load-bundle.js): dist/bundle/main.cjs compiled with V8's
// code cache that scripts/build-fast.mjs wrote. The cache may only make the start faster: a
// cache V8 rejects (stale, foreign, garbage) loads the same program, and the bundle prints
// what the module build (dist/cli, DMAGATE_NO_BUNDLE=1) prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../support/cli.js';

const bundle = join(REPO, 'dist', 'bundle', 'main.cjs');
const skip = existsSync(bundle) && existsSync(join(REPO, 'dist', 'cli', 'main.js')) ? false : 'dist/bundle/main.cjs not built (npm run build)';
const loader = join(REPO, 'bin', 'load-bundle.js');

/** Loads `file` with `cache` in a child and reports whether V8 took the cache, and main's type. */
function load(file: string, cache: string): { cacheUsed: boolean; main: string } {
  const code = `import(${JSON.stringify(loader)}).then(({ loadBundle }) => { const b = loadBundle(${JSON.stringify(file)}, ${JSON.stringify(cache)}); console.log(JSON.stringify({ cacheUsed: b.cacheUsed, main: typeof b.exports.main })); })`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { cacheUsed: boolean; main: string };
}

test('the built code cache is accepted by this node', { skip }, () => {
  assert.ok(existsSync(`${bundle}.cache`), 'npm run build writes dist/bundle/main.cjs.cache');
  assert.deepEqual(load(bundle, `${bundle}.cache`), { cacheUsed: true, main: 'function' });
});

test('a garbage or missing cache is ignored: the bundle still loads', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmagate-cache-'));
  const file = join(dir, 'main.cjs');
  copyFileSync(bundle, file);
  writeFileSync(join(dir, 'garbage.cache'), Buffer.from('not a V8 code cache'.repeat(64)));
  assert.deepEqual(load(file, join(dir, 'garbage.cache')), { cacheUsed: false, main: 'function' });
  assert.deepEqual(load(file, join(dir, 'absent.cache')), { cacheUsed: false, main: 'function' });
});

test('the bundle prints what the module build prints (a one-cell matrix, --json)', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmagate-cache-'));
  writeFileSync(join(dir, 'v.txt'), 'mainline\n');
  const argv = [join(REPO, 'bin', 'dmagate.js'), 'matrix', '--variants', join(dir, 'v.txt'), '--iommu', 'intel,amd', '--json', '--fail-on', 'never'];
  const runs = [{}, { DMAGATE_NO_BUNDLE: '1' }].map((env) => spawnSync(process.execPath, argv, { encoding: 'utf8', env: { ...process.env, ...env } }));
  for (const r of runs) assert.equal(r.status, 0, r.stderr);
  const [fast, plain] = runs.map((r) => r.stdout.replace(/"ms": [\d.]+/g, '"ms": 0'));
  assert.ok(fast.includes('"cells"'));
  assert.equal(fast, plain);
});
