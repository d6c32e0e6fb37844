// (b) The same comparison against lspci run now on the same dump (`lspci -F NAME.txt -vvvn`).
// Only meaningful with pciutils 3.9.x: other versions word several blocks differently.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { compareLspci } from './support/lspci-blocks.js';
import { renderDump } from './support/render.js';
import { DUMPS_DIR, SKIP_MSG, dumpNames } from './support/shared.js';

function lspciVersion(): string | null {
  const r = spawnSync('lspci', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  return /(\d+\.\d+(?:\.\d+)?)/.exec(r.stdout)?.[1] ?? null;
}

test('capability blocks match a live lspci on the same dumps', (t) => {
  const names = dumpNames();
  if (!names) return t.skip(SKIP_MSG);
  const v = lspciVersion();
  if (!v) return t.skip('lspci not installed');
  if (!v.startsWith('3.9')) return t.skip(`lspci ${v} is not 3.9.x (wording differs)`);
  let compared = 0;
  const failures: string[] = [];
  const report: string[] = [];
  for (const name of names) {
    const file = join(DUMPS_DIR, `${name}.txt`);
    const r = spawnSync('lspci', ['-F', file, '-vvvn'], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, `lspci failed on ${name}: ${r.stderr}`);
    const c = compareLspci(r.stdout, renderDump(readFileSync(file, 'utf8'), name));
    compared += c.compared;
    report.push(`${name}: ${c.matched}/${c.compared}`);
    for (const m of c.mismatches) failures.push(`${name} ${m.device} [${m.offset}] ${m.kind}\n${m.expected}\n!=\n${m.actual}`);
  }
  t.diagnostic(report.join('\n'));
  assert.ok(compared > 100);
  assert.deepEqual(failures, []);
});
