// Loads the CLI bundle (dist/bundle/main.cjs) with V8's code cache (dist/bundle/main.cjs.cache):
// the bytecode of every function a default `matrix` run compiled, made by scripts/build-fast.mjs
// at build time, so a start skips parsing and compiling them (docs/performance.md "Start-up").
// V8 checks the cache against the source and its own version and flags: a stale or foreign cache
// is rejected and the bundle compiles as it would without one — never a different program.
// Used by bin/dmagate.js and, to write the cache, by scripts/build-fast.mjs.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import vm from 'node:vm';

/** The CommonJS wrapper node itself puts around a module's source. */
const wrap = (src) => `(function (exports, require, module, __filename, __dirname) {${src}\n})`;

/** Loads `file` (a CommonJS bundle) with the code cache at `cacheFile` when it has one, and
 * returns its exports and a function writing a fresh cache (what the run so far compiled). */
export function loadBundle(file, cacheFile) {
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined; // no cache (a build without it): compile as usual
  }
  const script = new vm.Script(wrap(readFileSync(file, 'utf8')), {
    filename: file,
    cachedData,
    // the bundle's own import() calls (a test's backend module) go to node's loader
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return {
    exports: module.exports,
    cacheUsed: cachedData !== undefined && !script.cachedDataRejected,
    writeCache: () => writeFileSync(cacheFile, script.createCachedData()),
  };
}
