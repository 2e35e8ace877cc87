import type { CliCommandModule } from '../index.ts';
import { casesCommand } from './cases.ts';
import { hubCommand } from './hub.ts';
import { nodesCommand } from './nodes.ts';
import { runCommand } from './run.ts';

// Every command module of the runner's CLI, in help order.
export const commandModules: CliCommandModule[] = [runCommand, casesCommand, hubCommand, nodesCommand];
