import { runMain } from '../common/errors';
import { resolveTemporalCli } from '../testing/temporal-cli';

/** `npm run setup`: installs (or finds) the Temporal CLI. Every other command does this on demand too. */
runMain(async () => {
  const cli = await resolveTemporalCli();
  process.stdout.write(`Temporal CLI: ${cli.path} (from ${cli.source})\n`);
});
