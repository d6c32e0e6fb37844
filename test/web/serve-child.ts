// `dmagate serve …` from the sources, for server.test.ts (serve runs until signalled).
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
