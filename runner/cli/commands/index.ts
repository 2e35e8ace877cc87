import type { CliCommandModule } from '../index.ts';

// Every command module of the runner's CLI, in help order.
export const commandModules: CliCommandModule[] = [];
