// Debug helper for bench/spin (not part of the bench): prints every state dmagate's model reaches
// from boot on a scenario, unreduced, one canonical key (src/kernel/state.ts stateKeyText) per line,
// plus the per-event transition list with --edges. Used to match the Promela model state for state.
//   npm run build && node bench/spin/dump-states.mjs bench/spin/legacy-fpga.yaml [--edges]
import { loadScenarioFile } from '../../dist/platform/scenario.js';
import { kernelModel as m } from '../../dist/kernel/model.js';
import { formatEvent } from '../../dist/kernel/types.js';
import { stateKeyText } from '../../dist/kernel/state.js';

const [file, ...flags] = process.argv.slice(2);
const r = loadScenarioFile(file);
if ('errors' in r) throw new Error(JSON.stringify(r.errors));
const { platform: p, variant: v } = r.scenario;
const seen = new Map();
const q = [m.init(p, v)];
seen.set(m.key(q[0]), 0);
let transitions = 0;
const edges = [];
for (let h = 0; h < q.length; h++) {
  const s = q[h];
  for (const e of m.enabled(p, v, s)) {
    const t = m.step(p, v, s, e);
    transitions++;
    const k = m.key(t.state);
    if (!seen.has(k)) { seen.set(k, seen.size); q.push(t.state); }
    edges.push(`${seen.get(m.key(s))} --${formatEvent(e)}${t.ret.ok ? '' : ' -' + t.ret.errno}--> ${seen.get(k)}`);
  }
}
for (const [id, st] of q.entries()) console.log(`${id}\t${stateKeyText(st)}`);
if (flags.includes('--edges')) for (const e of edges) console.log(e);
console.log(`# states ${seen.size} transitions ${transitions}`);
