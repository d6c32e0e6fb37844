// `dmagate run` writes its output as the steps are taken (cli/run.ts: ByteSink, JsonRunWriter;
// docs/performance.md "run"). The reference is the whole-result formatting it replaced:
// `JSON.stringify(runJson(…), null, 2) + "\n"` (docs/json.md's contract is that object) and
// formatRun of the full simulation. Byte for byte, on every golden scenario, the reference
// platform without and with events, a failed expectation and skipped expectations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatRun, prepare, runCommand, runJson } from '../../src/cli/run.js';
import type { RunOptions } from '../../src/cli/run.js';
import { kernelModel } from '../../src/kernel/model.js';
import { referenceScenario } from '../../src/platform/reference.js';
import { loadScenarioFile } from '../../src/platform/scenario.js';
import { simulate } from '../../src/platform/simulate.js';
import { ByteSink } from '../../src/util/byte-sink.js';
import type { KernelModel } from '../../src/kernel/types.js';

const GOLDEN = fileURLToPath(new URL('../../scenarios/golden/', import.meta.url));
const model = kernelModel as KernelModel<unknown>;

async function both(file: string | undefined, opts: RunOptions): Promise<void> {
  const base = file === undefined ? referenceScenario() : loadScenarioFile(file).scenario;
  assert.ok(base, file);
  const p = prepare(base, opts);
  assert.ok('prepared' in p);
  const r = simulate(model, p.prepared.scenario);
  const want = opts.json ? JSON.stringify(runJson(p.prepared, r), null, 2) + '\n' : formatRun(p.prepared, r);
  const got = await runCommand(file, opts);
  assert.notEqual(typeof got.stdout, 'string', 'a scenario run is written as bytes');
  assert.equal(Buffer.concat(got.stdout as Uint8Array[]).toString('utf8'), want, `${file ?? 'reference'} ${JSON.stringify(opts)}`);
}

test('streamed run output equals the whole-result formatting (text and --json)', async () => {
  const files = readdirSync(GOLDEN).filter((f) => f.endsWith('.yaml')).map((f) => join(GOLDEN, f));
  for (const f of files) for (const json of [false, true]) await both(f, { json });
  for (const json of [false, true]) {
    await both(undefined, { json });
    await both(undefined, { json, event: ['probe(rp-cxl)', 'probe(cxl-accel)', 'bind(cxl-accel)'] });
    await both(files[0], { json, iommu: 'intel' }); // expectations skipped
  }
  const dir = mkdtempSync(join(tmpdir(), 'dmagate-stream-'));
  const failing = join(dir, 'fail.json');
  writeFileSync(
    failing,
    JSON.stringify({
      platform: { name: 'f', iommu: 'intel', devices: [{ name: 'rp', bdf: '00:01.0', config: { type: 'root-port' }, driver: { name: 'pcieport', dmaMode: 'no-dma' } }] },
      events: ['probe(rp)'],
      expect: { devices: { rp: { domain: 'identity' } }, returns: [{ event: 0, ok: false }] },
    }),
  );
  for (const json of [false, true]) await both(failing, { json });
});

test('ByteSink: chunks are the UTF-8 of what was written, long and multi-byte strings included', () => {
  const s = new ByteSink();
  const parts = ['a', 'é→\n', 'x'.repeat(3 << 20), '😀\n', ...Array.from({ length: 5000 }, (_, i) => `line ${i} ✓\n`)];
  for (const x of parts) s.write(x);
  assert.equal(Buffer.concat(s.chunks() as Buffer[]).toString('utf8'), parts.join(''));
});
