// Example configuration: copy to ecert.config.ts (in the folder you run `ecert` from) and keep
// what you need. Without a config file, `ecert run` tests the embedded reference hub with mock
// nodes for every country, which is what CI does. Relative paths resolve against this file.
//
// Every key is checked when the file is loaded: an unknown or misspelled key is an error that
// names it, so nothing is silently ignored. The file is a plain object so that it works from any
// folder (inside this repository you may wrap it in defineConfig from './runner/config.ts' for
// type checks in your editor). ecert.config.json with the same keys works too.

export default {
  // Seed of all generated data (documents, ids, test keys). Same seed, same documents.
  seed: 'carec-2026',

  // Countries whose cases run (partners are always every profile in fixtures/profiles/).
  // countries: ['UZ', 'KG'],

  // A country mission against a real hub: its URL, the CA of its TLS certificate, and operator
  // credentials (the harness registers the mock nodes and their test keys, reads the exchange and
  // audit logs, and, where the hub offers a test clock, moves it).
  // hub: {
  //   url: 'https://ecert-hub.example.org',
  //   ca: 'credentials/hub-ca.pem',
  //   operator: { cert: 'credentials/operator-cert.pem', key: 'credentials/operator-key.pem' },
  // },

  // Where the mock nodes listen when the hub is remote; the hub must reach them to push.
  // nodes: {
  //   host: '0.0.0.0',
  //   portBase: 9400,                               // node i listens on portBase + i
  //   publicUrl: 'https://tester-laptop.example.org', // what the hub calls ({cc} and {port} allowed)
  //   real: ['UZ'],                                 // countries served by their real national node
  // },

  // The embedded reference hub's timings (ignored for a remote hub).
  // embedded: { deliveryTimeoutMs: 400, retry: { attempts: 5, baseDelayMs: 20, factor: 2, maxDelayMs: 200 } },

  // How long a case may wait for a status before it fails as stuck; a real hub's retries take longer.
  // timeouts: { caseMs: 15 * 60_000, awaitMs: 10 * 60_000 },

  // Cases run at the same time (a faulted node always serves one case at a time).
  // concurrency: 6,

  // KPI-3 baseline: issuance -> importer decision before the hub, from the baseline study.
  // kpi3Baseline: { overallHours: 72, perPairHours: { 'UZ-KG': 96 }, source: 'M5 baseline study' },

  // Tester identity that signs each run's evidence manifest (generated in ~/.ecert/tester/ when absent).
  // tester: { key: 'credentials/tester-key.pem', cert: 'credentials/tester-cert.pem' },

  // lang: 'ru',
  // out: 'reports/out',
};
