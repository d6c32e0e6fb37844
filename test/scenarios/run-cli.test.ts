// `dmagate run` (runCommand: what the command prints and its exit code) and `dmagate schema`:
// exit codes, JSON shape, expectations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../../src/cli/run.js';
import { schemaText } from '../../src/cli/schema.js';

const GOLDEN = fileURLToPath(new URL('../../scenarios/golden/', import.meta.url));

/** `dmagate run ...` / `dmagate schema ...` without touching process.stdout (the test runner's channel). */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  if (argv[0] === 'schema') {
    const f = argv[2];
    writeFileSync(f, schemaText());
    return { code: 0, out: '', err: '' };
  }
  const args = argv.slice(1);
  const file = args[0] !== undefined && !args[0].startsWith('-') ? args.shift() : undefined;
  const opts: { iommu?: string; variant?: string; event?: string[]; json?: boolean } = {};
  while (args.length > 0) {
    const a = args.shift();
    if (a === '--json') opts.json = true;
    else if (a === '--iommu') opts.iommu = args.shift();
    else if (a === '--variant') opts.variant = args.shift();
    else if (a === '-e') opts.event = [...(opts.event ?? []), args.shift() ?? ''];
  }
  const r = await runCommand(file, opts);
  return { code: r.code, out: typeof r.stdout === 'string' ? r.stdout : Buffer.concat(r.stdout).toString('utf8'), err: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'dmagate-run-'));

test('run --json: the documented fields; expectations of a golden file hold', async () => {
  const r = await run(['run', join(GOLDEN, '15-smmu-identity-no-ats.yaml'), '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as Record<string, unknown>;
  for (const k of ['platform', 'iommu', 'variant', 'steps', 'devices', 'expectations']) assert.ok(k in j, k);
  assert.equal(j.iommu, 'arm-smmu-v3');
  const steps = j.steps as { event: string; ret: { ok: boolean }; trace: unknown[] }[];
  assert.deepEqual(steps.map((s) => s.event), ['probe(rp)', 'probe(accel)', 'bind(accel)']);
  assert.ok((j.expectations as { ok: boolean }[]).every((e) => e.ok));
  assert.equal(j.ok, true);
});

test('a failing expectation exits 1 and names it', async () => {
  const f = join(dir, 'wrong.yaml');
  // The file claims ATS on in IDENTITY under mainline SMMUv3, which R5.4 rules out.
  const text = readFileSync(join(GOLDEN, '15-smmu-identity-no-ats.yaml'), 'utf8').replace('atsEnabled: false         # R5.4', 'atsEnabled: true # deliberately wrong');
  writeFileSync(f, text);
  const r = await run(['run', f]);
  assert.equal(r.code, 1);
  assert.match(r.out, /FAIL accel\.atsEnabled at end: expected true, got false/);
});

test('options that change the scenario skip its expectations, and say so', async () => {
  const r = await run(['run', join(GOLDEN, '15-smmu-identity-no-ats.yaml'), '--iommu', 'amd']);
  assert.equal(r.code, 0);
  assert.match(r.out, /expectations not checked: the scenario was changed by --iommu/);
});

test('bad scenario and bad options exit 2 with positioned messages', async () => {
  const f = join(dir, 'bad.yaml');
  writeFileSync(f, 'platform: { name: x, iommu: amd, devices: [] }\nevents: [ "probe(nope)" ]\n');
  const r = await run(['run', f]);
  assert.equal(r.code, 2);
  assert.match(r.err, /events\[0\]: .*no device named "nope" \(2:11\)/);
  const o = await run(['run', '--variant', 'park=blocked']);
  assert.equal(o.code, 2);
  assert.match(o.err, /--variant/);
});

test('no scenario: the reference platform, extended with -e events', async () => {
  const r = await run(['run', '-e', 'probe(rp-gpu)', '-e', 'probe(gpu)', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { platform: string; devices: Record<string, { present: boolean; requireDirect: boolean }> };
  assert.equal(j.platform, 'reference');
  assert.equal(j.devices.gpu.present, true);
  assert.equal(j.devices.gpu.requireDirect, true); // its `direct` reserved region (R4.12)
  assert.equal(j.devices.fpga.present, false);
});

test('the schema text (what dmagate schema prints) is the scenario JSON Schema', async () => {
  const f = join(dir, 'schema.json');
  const r = await run(['schema', '--out', f]);
  assert.equal(r.code, 0);
  const s = JSON.parse(readFileSync(f, 'utf8')) as { title: string; required: string[] };
  assert.equal(s.title, 'dmagate scenario');
  assert.deepEqual(s.required, ['platform']);
});
