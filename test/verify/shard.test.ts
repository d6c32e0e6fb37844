// `matrix --shard I/N` and `matrix merge`: the merged shards are the unsharded `matrix --json`
// (the reference: the same CLI run without --shard), whatever the shard count and file order;
// shards of another job, duplicates and gaps are refused with exit 2.
import { clis } from '../support/cli.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseShard, shardRange } from '../../src/verify/shard.js';

/** Per-cell wall time is the one field that differs between runs. */
const noMs = (json: string): unknown => JSON.parse(json.replace(/"ms": [0-9.]+/g, '"ms": 0'));

test('shard ranges: N contiguous slices covering every cell once', () => {
  for (const total of [0, 1, 7, 200]) {
    for (const n of [1, 2, 3, 8, 13]) {
      let next = 0;
      for (let i = 1; i <= n; i++) {
        const r = shardRange(total, { index: i, count: n });
        assert.equal(r.first, next);
        assert.ok(r.end >= r.first && r.end - r.first <= Math.ceil(total / n));
        next = r.end;
      }
      assert.equal(next, total);
    }
  }
  assert.deepEqual(parseShard('2/8'), { index: 2, count: 8 });
  for (const bad of ['0/3', '4/3', '1', '1/0', 'a/b', '-1/2']) assert.throws(() => parseShard(bad), /--shard/);
});

test('merge of the shards equals the unsharded matrix --json; bad merges exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmagate-shard-'));
  // --fail-on never: a violated cell exits 1 by the exit-code contract; here only the JSON matters
  const job = ['matrix', '--iommu', 'intel,amd', '--json', '--fail-on', 'never'];
  const runs = clis([job, ...[1, 2, 3].map((i) => [...job, '--shard', `${i}/3`]), ['matrix', '--iommu', 'intel', '--fail-on', 'never', '--json', '--shard', '1/2'], ['matrix', '--iommu', 'intel', '--fail-on', 'never', '--json', '--shard', '1/3']]);
  for (const r of runs) assert.equal(r.code, 0, r.err);
  const [whole, s1, s2, s3, other, otherJob] = runs;
  const file = (name: string, text: string): string => {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  const f1 = file('s1.json', s1.out);
  const f2 = file('s2.json', s2.out);
  const f3 = file('s3.json', s3.out);
  const fo = file('other.json', other.out);
  const fj = file('otherjob.json', otherJob.out);
  const fx = file('bad.json', '{"cells": [');
  const [m, dup, gap, mixed, mixedJob, broken, none] = clis([
    ['matrix', 'merge', f3, f1, f2],
    ['matrix', 'merge', f1, f1, f2, f3],
    ['matrix', 'merge', f1, f3],
    ['matrix', 'merge', f1, f2, fo],
    ['matrix', 'merge', fj, f2, f3],
    ['matrix', 'merge', fx],
    ['matrix', 'merge', join(dir, 'nope.json')],
  ]);
  assert.equal(m.code, 0, m.err);
  assert.deepEqual(noMs(m.out), noMs(whole.out));
  assert.equal((noMs(whole.out) as { cells: unknown[] }).cells.length, 100);
  for (const [r, re] of [
    [dup, /both shard 1\/3/],
    [gap, /missing shard 2\/3/],
    [mixed, /another job/],
    [mixedJob, /another job/],
    [broken, /not JSON/],
    [none, /cannot read/],
  ] as const) {
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, re);
  }
});
