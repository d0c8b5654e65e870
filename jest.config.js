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

// Specs that need a service (Redis, the Redis Cluster, PostgreSQL, the built tree or a browser) or take more
// than a few seconds run in the e2e project. A lib spec of that kind is named *.int.spec.ts; jobs/ is the
// BullMQ layer, whose specs all run against Redis.
const SERVICE_SPECS = ['\\.int\\.spec\\.ts$', '/libs/agent/src/jobs/'];

// What both projects share: how TypeScript and the workspace packages load.
const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: {
    '^@agentnest/([a-z-]+)/(testing|nest|jobs)$': '<rootDir>/libs/$1/src/$2/index.ts',
    '^@agentnest/observability/sdk$': '<rootDir>/libs/observability/src/start-telemetry.ts',
    '^@agentnest/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};

const projects = [
  // No global setup: nothing is built or started, so a unit run takes seconds and needs no service.
  {
    ...shared,
    displayName: 'unit',
    testMatch: ['<rootDir>/{apps,libs}/*/src/**/*.spec.ts'],
    testPathIgnorePatterns: [...shared.testPathIgnorePatterns, ...SERVICE_SPECS],
  },
  // The global setup builds dist (suites spawn the compiled service) and starts Redis, the cluster and
  // PostgreSQL; Jest runs it only when a selected test belongs to this project.
  {
    ...shared,
    displayName: 'e2e',
    testMatch: ['<rootDir>/test/**/*.e2e-spec.ts', '<rootDir>/libs/*/src/**/*.int.spec.ts', '<rootDir>/libs/agent/src/jobs/**/*.spec.ts'],
    globalSetup: '<rootDir>/test/global-setup.js',
    globalTeardown: '<rootDir>/test/global-teardown.js',
  },
];

// npm run test:unit / test:e2e name one project in JEST_PROJECT: Jest's --selectProjects would take every
// argument after it as a project name, so `npm run test:unit -- <path>` would lose the path.
const only = process.env.JEST_PROJECT;

export default {
  projects: only ? projects.filter((p) => p.displayName === only) : projects,
  testTimeout: 20000,
  // Jest's default (one worker fewer than cores) runs the suites one at a time on two cores, while most
  // e2e suites wait on sockets and timers: two workers took the whole run from 350 s to 219 s here.
  maxWorkers: Math.max(2, availableParallelism() - 1),
  // A worker that has grown past this after a suite is replaced: a long-lived worker's heap made the
  // later suites' garbage collection slow (the AgentCore property test took 87 s late in a run, 24 s alone).
  workerIdleMemoryLimit: '800MB',
  reporters: ['default', '<rootDir>/test/summary.reporter.js'],
};
