// Crash safety, a few trials (bench/agent-crash.ts runs ≥200): SIGKILL while deciding and
// acting leaves an intact store, no device bound without a committed allow, and a restart
// that loses and duplicates no decision.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { crashTree, runAndKill, checkTrial } from './support/crash.js';

describe('crash safety (SIGKILL at random points)', () => {
  // [ms after "ready" (-1: no timer), kill right after the k-th sysfs write (0: never)]
  const trials: [number, number][] = [[-1, 1], [-1, 9], [-1, 31], [400, 0]];
  const cleanups: (() => void)[] = [];
  after(() => cleanups.forEach((c) => c()));
  for (const [delay, afterWrites] of trials) {
    it(`killed ${afterWrites > 0 ? `right after sysfs write ${afterWrites}` : `${delay} ms after start`}: store intact, nothing bound without an allow, restart completes exactly once`, async () => {
      const ct = crashTree();
      cleanups.push(ct.tree.cleanup);
      const db = join(ct.tree.root, 'agent.db');
      const outcome = await runAndKill(ct.tree.root, db, delay, afterWrites);
      if (afterWrites > 0) assert.equal(outcome, 'killed');
      const r = checkTrial(ct, db, outcome);
      assert.deepEqual(r.problems, []);
      assert.equal(r.atKill.integrity, 'ok');
      if (afterWrites > 1) assert.equal(r.atKill.open, 1, 'killed between a write and its outcome: exactly one decision open');
    });
  }
});
