// Crash-safety bench: N trials (default 200) of SIGKILL at a random moment while the agent
// decides and acts on a 60-function fake sysfs tree, each checked as test/agent/support/
// crash.ts describes. Prints how many kills landed before, during and after the pass, and
// every problem found (expected: none).
//   node --import tsx bench/agent-crash.ts [N] [maxDelayMs]
import { join } from 'node:path';
import { crashTree, runAndKill, checkTrial } from '../test/agent/support/crash.js';

const n = Number(process.argv[2] ?? 200);
const maxDelay = Number(process.argv[3] ?? 1200);
let before = 0;
let during = 0;
let finished = 0;
let openAtKill = 0;
const problems: string[] = [];
const t0 = Date.now();
for (let i = 0; i < n; i++) {
  const ct = crashTree();
  const db = join(ct.tree.root, 'agent.db');
  try {
    // half the trials at a random time, half right after a random sysfs write (1–60)
    const byWrite = i % 2 === 1;
    const outcome = await runAndKill(ct.tree.root, db, byWrite ? -1 : Math.floor(Math.random() * maxDelay), byWrite ? 1 + Math.floor(Math.random() * 60) : 0);
    const r = checkTrial(ct, db, outcome);
    if (outcome === 'finished') finished++;
    else if (r.atKill.decisions === 0) before++;
    else during++;
    openAtKill += r.atKill.open;
    problems.push(...r.problems.map((p) => `trial ${i}: ${p}`));
  } finally {
    ct.tree.cleanup();
  }
}
console.log(`${n} trials in ${((Date.now() - t0) / 1000).toFixed(1)} s: killed before the first decision ${before}, during the pass ${during} (decisions left open at the kill: ${openAtKill}), finished before the kill ${finished}`);
console.log(problems.length === 0 ? 'problems: none (integrity_check ok, nothing bound without a committed allow, exactly one decision per device after restart)' : `problems (${problems.length}):\n${problems.join('\n')}`);
process.exitCode = problems.length === 0 ? 0 : 1;
