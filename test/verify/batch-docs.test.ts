// docs/batch.md's recipes, run here: the Slurm array script for every task id, and the
// Kubernetes Indexed Job's container command for every completion index (with a `dmagate` on
// the PATH that is this checkout's dist/ build), then `matrix merge`; the reference is the
// unsharded `matrix --json` of the same build. Skips when dist/ is not built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { packageRoot } from '../../src/platform/package-root.js';

const root = packageRoot();
const bin = join(root, 'bin', 'dmagate.js');
const built = existsSync(join(root, 'dist', 'cli', 'main.js'));
const noMs = (json: string): unknown => JSON.parse(json.replace(/"ms": [0-9.]+/g, '"ms": 0'));
// a smaller job than the default matrix, to keep the test short
const ARGS = ['--iommu', 'amd'];

function sh(cmd: string, args: string[], env: Record<string, string>, cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function shim(dir: string): string {
  const bindir = join(dir, 'bin');
  spawnSync('mkdir', ['-p', bindir]);
  const f = join(bindir, 'dmagate');
  writeFileSync(f, `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@" ${ARGS.join(' ')}\n`);
  chmodSync(f, 0o755);
  return bindir;
}

test('Slurm array script: every task, then merge = the unsharded matrix', { skip: built ? false : 'dist/ not built' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmagate-slurm-'));
  const whole = sh(process.execPath, [bin, 'matrix', ...ARGS, '--json', '--fail-on', 'never'], {}, dir);
  const script = join(root, 'docs', 'batch', 'matrix-array.sh');
  const text = readFileSync(script, 'utf8');
  const m = /#SBATCH --array=0-(\d+)/.exec(text);
  assert.ok(m, 'the script declares its array');
  const n = 3; // the script takes the count from Slurm; fewer tasks here than --array declares
  for (let i = n - 1; i >= 0; i--) {
    sh('bash', [script], { SLURM_ARRAY_TASK_ID: String(i), SLURM_ARRAY_TASK_COUNT: String(n), DMAGATE: `${process.execPath} ${bin}`, DMAGATE_MATRIX_ARGS: ARGS.join(' ') }, dir);
  }
  const files = readdirSync(join(dir, 'shards')).map((f) => join(dir, 'shards', f));
  assert.equal(files.length, n);
  const merged = sh(process.execPath, [bin, 'matrix', 'merge', ...files], {}, dir);
  assert.deepEqual(noMs(merged), noMs(whole));
});

test('Kubernetes Indexed Job: the container command for every index, then merge = the unsharded matrix', { skip: built ? false : 'dist/ not built' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmagate-k8s-'));
  const job = parse(readFileSync(join(root, 'docs', 'batch', 'matrix-job.yaml'), 'utf8')) as {
    kind: string;
    spec: { completionMode: string; completions: number; parallelism: number; template: { spec: { restartPolicy: string; containers: { command: string[]; args: string[]; env: { name: string; value: string }[] }[] } } };
  };
  assert.equal(job.kind, 'Job');
  assert.equal(job.spec.completionMode, 'Indexed');
  const c = job.spec.template.spec.containers[0];
  const shards = Number(c.env.find((e) => e.name === 'SHARDS')?.value);
  assert.equal(shards, job.spec.completions, 'SHARDS = completions');
  assert.equal(job.spec.template.spec.restartPolicy, 'Never');
  const whole = sh(process.execPath, [bin, 'matrix', ...ARGS, '--json', '--fail-on', 'never'], {}, dir);
  const path = `${shim(dir)}:${process.env.PATH ?? ''}`;
  const files: string[] = [];
  for (let i = 0; i < job.spec.completions; i++) {
    const out = sh(c.command[0], [...c.command.slice(1), ...c.args], { JOB_COMPLETION_INDEX: String(i), SHARDS: String(shards), PATH: path }, dir);
    const f = join(dir, `shard-${i}.json`);
    writeFileSync(f, out);
    files.push(f);
  }
  const merged = sh(process.execPath, [bin, 'matrix', 'merge', ...files.reverse()], {}, dir);
  assert.deepEqual(noMs(merged), noMs(whole));
});
