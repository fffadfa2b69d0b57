/**
 * The end-to-end suite (`npm run test:e2e`): the real tools built by
 * scripts/build-tools.sh, a local control plane, the real Pulumi CLI. Serial.
 * @type {import('jest').Config}
 */
module.exports = {
  // Temporary files go to a directory per run and per test file, removed at the end (test/support/temporary-directories.ts).
  testEnvironment: '<rootDir>/test/support/test-environment.ts',
  globalSetup: '<rootDir>/test/support/jest-global-setup.ts',
  globalTeardown: '<rootDir>/test/support/jest-global-teardown.ts',
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  maxWorkers: 1,
  testTimeout: 600000,
};
