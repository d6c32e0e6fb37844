// The process crash trials kill: decides and acts on ROOT with the store DB (support/crash.ts).
import { parsePolicy } from '../../../src/agent/rules/load.js';
import { runOnce } from '../../../src/agent/engine.js';
import { Store } from '../../../src/agent/store.js';
import { fakeKernel } from './fake-kernel.js';
import { CRASH_POLICY } from './crash.js';
import { readSysfs } from '../../../src/platform/sysfs-reader.js';

const [root, db] = process.argv.slice(2);
const matches: Record<string, string> = {};
for (const f of readSysfs(root).functions) {
  const dev = f.device ?? 0;
  matches[f.name] = f.classCode !== null && f.classCode >> 8 === 0x0604 ? 'pcieport' : dev === 0x1017 ? 'mlx5_core' : dev === 0x0c02 ? 'cxl_accel' : dev === 0x9038 ? 'xdma' : 'nvme';
}
// CRASH_AFTER_WRITES=k: SIGKILL itself right after the k-th sysfs write (between a write and
// the outcome commit: the worst moment), for deterministic trials.
const after = Number(process.env.CRASH_AFTER_WRITES ?? 0);
const k = fakeKernel(matches);
let writes = 0;
const writer = {
  write(r: string, rel: string, value: string): void {
    k.write(r, rel, value);
    if (after > 0 && ++writes === after) process.kill(process.pid, 'SIGKILL');
  },
};
const store = Store.open(db);
process.stdout.write('ready\n');
runOnce({ root, policy: parsePolicy([{ file: 'crash.rules', text: CRASH_POLICY }]), store, apply: true, actor: 'crash-child', writer });
store.close();
