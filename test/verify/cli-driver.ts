// Runs several `dmagate` invocations in one process (argv[2]: JSON array of argument lists)
// and prints [{code, out, err}] as JSON. Used by cli.test.ts: the test runner owns its own
// stdout, so the CLI is driven from a child process.
import { main } from '../../src/cli/main.js';

const runs = JSON.parse(process.argv[2] ?? '[]') as string[][];
const results: { code: number; out: string; err: string }[] = [];
const ow = process.stdout.write.bind(process.stdout);
const ew = process.stderr.write.bind(process.stderr);
for (const args of runs) {
  let out = '';
  let err = '';
  process.stdout.write = ((s: string | Uint8Array) => ((out += String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => ((err += String(s)), true)) as typeof process.stderr.write;
  let code: number;
  try {
    code = await main(args);
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
  results.push({ code, out, err });
}
ow(JSON.stringify(results));
