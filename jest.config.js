import { availableParallelism } from 'node:os';

// Jest in native ESM mode (run with --experimental-vm-modules); swc strips types and keeps
// decorator metadata so Nest's DI works in tests exactly as in the compiled app.
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: {
    '^@agentnest/([a-z-]+)/(testing|nest|jobs)$': '<rootDir>/libs/$1/src/$2/index.ts',
    '^@agentnest/observability/sdk$': '<rootDir>/libs/observability/src/start-telemetry.ts',
    '^@agentnest/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/{apps,libs}/*/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 20000,
  // Jest's default (one worker fewer than cores) runs the suites one at a time on two cores, while most
  // e2e suites wait on sockets and timers: two workers took the whole run from 350 s to 219 s here.
  maxWorkers: Math.max(2, availableParallelism() - 1),
  // A worker that has grown past this after a suite is replaced: a long-lived worker's heap made the
  // later suites' garbage collection slow (the AgentCore property test took 87 s late in a run, 24 s alone).
  workerIdleMemoryLimit: '800MB',
  globalSetup: '<rootDir>/test/global-setup.js',
  globalTeardown: '<rootDir>/test/global-teardown.js',
  reporters: ['default', '<rootDir>/test/summary.reporter.js'],
};
