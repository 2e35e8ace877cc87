#!/usr/bin/env node
// The harness is TypeScript run by tsx, so there is no build step between a checkout and a run.
import { register } from 'tsx/esm/api';

register();
await import('./ecert.ts');
