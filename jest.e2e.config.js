/**
 * The end-to-end suite (`npm run test:e2e`): the real tools built by
 * scripts/build-tools.sh, a local control plane, the real Pulumi CLI. Serial.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  maxWorkers: 1,
  testTimeout: 600000,
};
