import type { CliExtension } from '../runner/cli/index.ts';

// The reports room's contribution to the `ecert` command: commands (report, evidence verify)
// and the hook that renders a run's reports when it completes.
export const reportsExtension: CliExtension = {
  commands: [],
};
