// Composition root of the `ecert` command: the runner's commands plus the extensions of rooms
// that stand to the right of the runner (reports), which the runner itself does not import.
import { buildCli } from '../runner/cli/index.ts';
import { commandModules } from '../runner/cli/commands/index.ts';
import { reportsExtension } from '../reports/cli-extension.ts';

// `ecert ... | head` closes stdout early: stop quietly instead of crashing on EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const cli = buildCli(commandModules, [reportsExtension]);
process.exitCode = await cli.run(process.argv.slice(2));
