// Drives the real CLI entry (src/cli/main.ts) from a child process: the test runner owns this
// process's stdout, and main() writes to process.stdout. Many invocations share one child.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type Run = { code: number; out: string; err: string };
const DRIVER = fileURLToPath(new URL('../verify/cli-driver.ts', import.meta.url));
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Runs each argument list through main() in one child process; stdin is `input` if given. */
export function clis(runs: readonly (readonly string[])[], input?: string): Run[] {
  const r = spawnSync(process.execPath, ['--import', 'tsx', DRIVER, JSON.stringify(runs)], { cwd: REPO, encoding: 'utf8', maxBuffer: 256 << 20, input });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Run[];
}
