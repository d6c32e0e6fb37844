// The CLI as a process, from the sources (no build needed): the corpus test runs it under a
// kill timeout and a heap limit, as a user would run `dmagate`.
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
