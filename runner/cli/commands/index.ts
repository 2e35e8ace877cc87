import type { CliCommandModule } from '../index.ts';
import { casesCommand } from './cases.ts';
import { docCommand } from './doc.ts';
import { hubCommand } from './hub.ts';
import { nodesCommand } from './nodes.ts';
import { runCommand } from './run.ts';
import { verifyCommand } from './verify.ts';

// Every command module of the runner's CLI, in help order.
export const commandModules: CliCommandModule[] = [runCommand, casesCommand, hubCommand, nodesCommand, docCommand, verifyCommand];
