// Exploration bounds (src/verify/bounds.ts): the heap budget stops an exploration at the next
// check and says so; the default state bound applies when none is given.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explore } from '../../src/verify/explore.js';
import { DEFAULT_MAX_STATES, HEAP_CHECK_EVERY, boundWhy } from '../../src/verify/bounds.js';

/** A counter 0..n-1 with two successors each (i+1, i+2): n states, a deep line. */
const line = (n: number) => ({
  init: 0,
  enabled: (s: number) => (s < n - 1 ? [1, 2] : []),
  step: (s: number, e: number) => ({ state: Math.min(n - 1, s + e) }),
  key: (s: number) => String(s),
});

test('a heap budget below what is in use stops at the first check, as boundHit "memory"', () => {
  const ex = explore(line(100_000), { maxHeapBytes: 1 });
  assert.equal(ex.stats.boundHit, 'memory');
  assert.equal(ex.stats.states, HEAP_CHECK_EVERY + 1);
});

test('an ample budget changes nothing', () => {
  const ex = explore(line(10_000), { maxHeapBytes: Number.MAX_SAFE_INTEGER });
  assert.equal(ex.stats.boundHit, null);
  assert.equal(ex.stats.states, 10_000);
});

test('the inconclusive explanation names the flag to raise', () => {
  assert.match(boundWhy('states', {}), new RegExp(`--max-states ${DEFAULT_MAX_STATES} per explored part`));
  assert.match(boundWhy('memory', { maxMemoryMiB: 64 }), /--max-memory 64 MB/);
});
