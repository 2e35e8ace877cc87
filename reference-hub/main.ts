import fs from 'node:fs';
import { type ReferenceHubOptions, startReferenceHub } from './hub.ts';

// Child-process entry of the reference hub for tests and tools that need it in its own process
// (e.g. the durability test kills it with SIGKILL):
//   node --import tsx reference-hub/main.ts CONFIG.json
// CONFIG.json holds ReferenceHubOptions (JSON-serialisable part). Prints one JSON line
// {"event":"listening","url":...,"pid":...} when ready; SIGTERM / SIGINT close it cleanly.
// People start the hub with `ecert hub start`.

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node --import tsx reference-hub/main.ts CONFIG.json\n');
  process.exit(2);
}
const options = JSON.parse(fs.readFileSync(file, 'utf8')) as ReferenceHubOptions;
const hub = await startReferenceHub(options);
process.stdout.write(`${JSON.stringify({ event: 'listening', url: hub.url, pid: process.pid, instanceId: hub.instanceId })}\n`);
const stop = async () => {
  await hub.close();
  process.stdout.write(`${JSON.stringify({ event: 'closed' })}\n`);
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
