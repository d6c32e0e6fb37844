// `npm run man`: writes man/dmagate.1 from the program's help (src/cli/manpage.ts).
import { writeFileSync } from 'node:fs';
import { buildProgram, packageVersion } from '../src/cli/main.js';
import { manPage } from '../src/cli/manpage.js';

const out = new URL('../man/dmagate.1', import.meta.url);
writeFileSync(out, manPage(await buildProgram(), packageVersion()));
process.stderr.write(`wrote ${out.pathname}\n`);
