import { defineConfig } from 'vitest/config';

// The project's own test suite (`npm test`). The scenario catalog run by `ecert run` has its
// own programmatic vitest configuration in runner/; it is not collected here.
export default defineConfig({
  test: {
    include: ['{protocol,fixtures,mock-nodes,reference-hub,scenarios,runner,reports,bin,test}/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'reports/out/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    // Tests write test artifacts (screenshots, sample reports) here; it is git-ignored.
    env: { ECERT_TEST_ARTIFACTS: 'test-artifacts' },
  },
});
