// (a) Every real dump: for each device, every ATS/PASID/PRI/SR-IOV/ACS/DSN/DVSEC, PCI Express,
// MSI, MSI-X, Power Management, AER and PCI Advanced Features block, and every other
// capability's title line, must equal what lspci 3.9.0 printed (NAME.lspci-vvvn.txt).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { compareLspci, compareTitles, outsideCaps, splitLspci } from './support/lspci-blocks.js';
import { renderDump } from './support/render.js';
import { DUMPS_DIR, SKIP_MSG, dumpNames } from './support/shared.js';

test('capability blocks match lspci 3.9.0 reference decodes', (t) => {
  const names = dumpNames();
  if (!names) return t.skip(SKIP_MSG);
  let compared = 0;
  let matched = 0;
  const report: string[] = [];
  const failures: string[] = [];
  const byKind: Record<string, number> = {};
  for (const name of names) {
    const ref = readFileSync(join(DUMPS_DIR, `${name}.lspci-vvvn.txt`), 'utf8');
    const ours = renderDump(readFileSync(join(DUMPS_DIR, `${name}.txt`), 'utf8'), name);
    const c = compareLspci(ref, ours);
    compared += c.compared;
    matched += c.matched;
    for (const [k, v] of Object.entries(c.byKind)) byKind[k] = (byKind[k] ?? 0) + v.compared;
    report.push(`${name}: ${c.matched}/${c.compared} blocks, ${c.mismatches.length} mismatches`);
    for (const m of c.mismatches) failures.push(`${name} ${m.device} [${m.offset}] ${m.kind}\n--- lspci\n${m.expected}\n--- ours\n${m.actual}`);
  }
  t.diagnostic(report.join('\n'));
  t.diagnostic(`total: ${matched}/${compared} blocks identical; compared by kind ${JSON.stringify(byKind)}`);
  assert.ok(compared > 100, `expected many blocks of interest, got ${compared}`);
  // every kind promised byte-identical occurs in the shared dumps
  for (const k of ['Express', 'MSI', 'MSI-X', 'PM', 'AER', 'AF', 'ATS', 'PASID', 'PRI', 'SR-IOV', 'ACS', 'DSN', 'DVSEC']) assert.ok((byKind[k] ?? 0) > 0, `no ${k} block in the dumps`);
  assert.deepEqual(failures, []);
});

test('every capability title line (any capability) equals lspci 3.9.0 at -vvv', (t) => {
  const names = dumpNames();
  if (!names) return t.skip(SKIP_MSG);
  let compared = 0;
  const failures: string[] = [];
  for (const name of names) {
    const ref = readFileSync(join(DUMPS_DIR, `${name}.lspci-vvvn.txt`), 'utf8');
    const c = compareTitles(ref, renderDump(readFileSync(join(DUMPS_DIR, `${name}.txt`), 'utf8'), name));
    compared += c.compared;
    for (const m of c.mismatches) failures.push(`${name} ${m.device} [${m.offset}]\n${m.expected}\n!=\n${m.actual}`);
  }
  t.diagnostic(`${compared} capability title lines compared`);
  assert.ok(compared > 500);
  assert.deepEqual(failures, []);
});

test('device lines and every capability title line are present at the same offsets', (t) => {
  const names = dumpNames();
  if (!names) return t.skip(SKIP_MSG);
  const missing: string[] = [];
  for (const name of names) {
    const ref = splitLspci(readFileSync(join(DUMPS_DIR, `${name}.lspci-vvvn.txt`), 'utf8'));
    const ours = new Map(splitLspci(renderDump(readFileSync(join(DUMPS_DIR, `${name}.txt`), 'utf8'), name)).map((d) => [d.key, d]));
    for (const d of ref) {
      const o = ours.get(d.key);
      if (!o) {
        missing.push(`${name}: device ${d.key} missing`);
        continue;
      }
      const want = d.caps.map((c) => c.offset).join(',');
      const got = o.caps.map((c) => c.offset).join(',');
      if (want !== got) missing.push(`${name} ${d.key}: capability offsets ${got} != lspci ${want}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('device and header lines (everything outside capabilities) equal the reference', (t) => {
  const names = dumpNames();
  if (!names) return t.skip(SKIP_MSG);
  let lines = 0;
  const diffs: string[] = [];
  for (const name of names) {
    const want = outsideCaps(readFileSync(join(DUMPS_DIR, `${name}.lspci-vvvn.txt`), 'utf8'));
    const got = outsideCaps(renderDump(readFileSync(join(DUMPS_DIR, `${name}.txt`), 'utf8'), name));
    lines += want.length;
    const i = want.findIndex((l, k) => l !== got[k]);
    if (i >= 0 || got.length !== want.length) diffs.push(`${name}: first difference at line ${i}: ${JSON.stringify(want[i])} != ${JSON.stringify(got[i])}`);
  }
  t.diagnostic(`${lines} lines outside capability blocks compared`);
  assert.deepEqual(diffs, []);
});

test('the whole -vvvn text of every shared dump equals the reference decode byte for byte', (t) => {
  const names = dumpNames();
  if (!names) return t.skip(SKIP_MSG);
  let bytes = 0;
  const diffs: string[] = [];
  for (const name of names) {
    const want = readFileSync(join(DUMPS_DIR, `${name}.lspci-vvvn.txt`), 'utf8');
    const got = renderDump(readFileSync(join(DUMPS_DIR, `${name}.txt`), 'utf8'), name);
    bytes += want.length;
    if (got !== want) {
      const a = want.split('\n');
      const b = got.split('\n');
      const k = a.findIndex((l, j) => l !== b[j]);
      diffs.push(`${name} line ${k + 1}: ${JSON.stringify(a[k])} != ${JSON.stringify(b[k])}`);
    }
  }
  t.diagnostic(`${names.length} dumps, ${bytes} bytes of lspci -vvvn text compared whole`);
  assert.deepEqual(diffs, []);
});
