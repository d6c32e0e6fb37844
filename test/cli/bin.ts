// The CLI as bin/dmagate.js runs it, but from src/ (no build needed): for tests that spawn
// it through a real shell pipe.
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
