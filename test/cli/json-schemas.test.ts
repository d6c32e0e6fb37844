// Every command's --json output validates against its schema in docs/schemas/ (docs/json.md),
// checked with ajv on real command output: verify, verify --list-invariants, matrix, run,
// run --trace, audit (a fake sysfs tree, and the live host when it has a PCI bus).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import { atsUnderIdentityHost } from '../support/hosts.js';
import { clis, REPO } from '../support/cli.js';

const SCHEMAS = join(REPO, 'docs/schemas');
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
for (const f of readdirSync(SCHEMAS).filter((f) => f.endsWith('.schema.json'))) ajv.addSchema(JSON.parse(readFileSync(join(SCHEMAS, f), 'utf8')) as object);
const schema = (name: string): ValidateFunction => {
  const v = ajv.getSchema(`${name}.schema.json`);
  assert.ok(v, `docs/schemas/${name}.schema.json`);
  return v;
};
function valid(name: string, doc: unknown): void {
  const v = schema(name);
  assert.ok(v(doc), `${name}: ${ajv.errorsText(v.errors, { separator: '\n' })}`);
}

const dir = mkdtempSync(join(tmpdir(), 'dmagate-json-'));
const combos = join(dir, 'v.txt');
writeFileSync(combos, 'mainline\n[cc-guest] cc-vm-lock-off\nboot-dma-security,park=blocked\n');
const fake = atsUnderIdentityHost({ reservedRegions: '0x00000000fee00000 0x00000000feefffff msi\n' });
after(() => fake.cleanup());
const live = existsSync('/sys/bus/pci/devices');

const RUNS = {
  verify: ['verify', '--iommu', 'arm-smmu-v3', '--passthrough', '--json'],
  verifyHolds: ['verify', '--iommu', 'intel', '--invariant', 'S1,S6', '--json'],
  list: ['verify', '--list-invariants', '--json'],
  matrix: ['matrix', '--variants', combos, '--iommu', 'arm-smmu-v3,amd', '--json', '--jobs', '1'],
  run: ['run', 'scenarios/golden/15-smmu-identity-no-ats.yaml', '--json'],
  // a kernel refusal (-EPERM, D10): VFIO claiming a group whose pcieport member is bound MSI_ONLY
  runFailed: ['run', '--iommu', 'arm-smmu-v3', '--variant', 'boot-dma-security,park=blocked,dma-mode-enum', '-e', 'probe(rp-legacy)', '-e', 'accept(rp-legacy)', '-e', 'bind(rp-legacy)', '-e', 'probe(fpga)', '-e', 'accept(fpga)', '-e', 'vfio-bind(fpga)', '-e', 'vfio-attach(fpga)', '--json'],
  audit: ['audit', '--sysfs', fake.root, '--json', '--fail-on', 'never'],
  auditLive: ['audit', '--json', '--fail-on', 'never'],
} as const;
const keys = Object.keys(RUNS) as (keyof typeof RUNS)[];
const all = clis(keys.map((x) => RUNS[x]));
const out = Object.fromEntries(keys.map((k, i) => [k, all[i]])) as Record<keyof typeof RUNS, { code: number; out: string; err: string }>;
const json = (k: keyof typeof RUNS): unknown => JSON.parse(out[k].out);

test('the schemas compile (strict mode) and every schema file is listed in docs/json.md', () => {
  const doc = readFileSync(join(REPO, 'docs/json.md'), 'utf8');
  for (const f of readdirSync(SCHEMAS)) assert.ok(doc.includes(`schemas/${f}`), f);
});

test('verify --json (with violations) and a cell that holds validate; a violation carries detail, device {name, bdf} and the explanation', () => {
  valid('verify', json('verify'));
  valid('verify', json('verifyHolds'));
  const cell = json('verify') as { results: Record<string, { verdict: string; detail?: string; device?: { name: string; bdf?: string }; explanation?: string }> };
  const f1 = cell.results['fun.cxl-cache-works'];
  assert.equal(f1.verdict, 'violated');
  assert.deepEqual(f1.device, { name: 'cxl-accel', bdf: '0000:01:00.0' }); // the reference platform's table
  assert.match(f1.explanation ?? '', /Nicolin Jan 17/);
  assert.match(f1.detail ?? '', /cxl-accel/);
});

test('verify --list-invariants --json validates: 14 invariants, codes S1–S7, F1–F6, A1', () => {
  valid('invariants', json('list'));
  const l = json('list') as { id: string; code: string }[];
  assert.equal(l.length, 14);
  assert.deepEqual(l.map((x) => x.code), ['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'F1', 'F2', 'F3', 'F4', 'F5', 'F6', 'A1']);
});

test('matrix --json validates, keeps the contract keys first, and its violations carry the text\'s explanation', () => {
  valid('matrix', json('matrix'));
  const m = json('matrix') as { cells: { iommu: string; variant: string; results: Record<string, { verdict: string; explanation?: string }> }[] };
  assert.deepEqual(Object.keys(m.cells[0]), ['iommu', 'passthrough', 'ccGuest', 'variant', 'stats', 'results']);
  const arm = m.cells.find((c) => c.iommu === 'arm-smmu-v3' && c.variant === 'boot-dma-security,park=blocked');
  assert.match(arm?.results['fun.msi-works'].explanation ?? '', /D6, Nicolin Feb 18/);
});

test('run --json validates (expectations held, and a refused event); devices carry name and bdf', () => {
  valid('run', json('run'));
  valid('run', json('runFailed'));
  const r = json('run') as { devices: Record<string, { name: string; bdf: string }> };
  assert.deepEqual([r.devices.accel.name, r.devices.accel.bdf], ['accel', '0000:01:00.0']);
});

test('run --trace --json validates and carries the replay', () => {
  const cex = join(dir, 'cex.json');
  writeFileSync(cex, out.verify.out);
  const r = clis([['run', '--trace', cex, '--invariant', 'F1', '--json']])[0];
  valid('run', JSON.parse(r.out));
  assert.deepEqual((JSON.parse(r.out) as { replay: unknown }).replay, {
    source: cex,
    invariant: 'fun.cxl-cache-works',
    code: 'F1',
    reproduced: true,
    step: 2,
    detail: (json('verify') as { results: Record<string, { detail: string }> }).results['fun.cxl-cache-works'].detail,
  });
});

test('audit --json validates on a fake tree: functions in the scheme (bdf, vendor, device, class)', () => {
  valid('audit', json('audit'));
  const a = json('audit') as { functions: { bdf: string; vendor: string; device: string; class: string }[]; findings: { bdf: string | null }[] };
  // The fake tree's identity attributes come from the built config space (buildConfigSpace
  // defaults: 1234:0001; a root port is class 060400).
  assert.deepEqual(a.functions.map((f) => [f.bdf, f.vendor, f.class]), [['0000:00:01.0', '1234', '060400'], ['0000:01:00.0', '1234', a.functions[1].class]]);
  assert.equal(a.findings[0].bdf, '0000:01:00.0');
});

test('audit --json validates on this host', { skip: live ? false : 'no /sys/bus/pci on this machine' }, () => {
  valid('audit', json('auditLive'));
});

test('the schemas reject what the scheme rules out: the old audit names, a violation without its trace, a BDF without domain', () => {
  const a = structuredClone(json('audit')) as { functions: Record<string, unknown>[]; findings: Record<string, unknown>[] };
  const f = a.functions[0];
  assert.equal(schema('audit')({ ...a, functions: [{ ...f, name: f.bdf }] }), false, 'name');
  assert.equal(schema('audit')({ ...a, functions: [{ ...f, bdf: '00:01.0' }] }), false, 'short bdf');
  assert.equal(schema('audit')({ ...a, functions: [{ ...f, class: '0x060400' }] }), false, '0x class');
  assert.equal(schema('audit')({ ...a, findings: [{ ...a.findings[0], device: a.findings[0].bdf }] }), false, 'finding.device');
  const c = structuredClone(json('verify')) as { results: Record<string, Record<string, unknown>> };
  delete c.results['fun.cxl-cache-works'].trace;
  assert.equal(schema('verify')(c), false, 'violated without trace');
});
