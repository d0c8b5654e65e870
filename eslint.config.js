import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

// The layering (docs/architecture.md, "Packages and entry points" and "Layering"), held by lint: framework-free cores, Nest and BullMQ only in their own
// entry points, OpenTelemetry only in observability, providers and memory independent, nothing in a
// lib reaching into an app, and no import cycles.
const FRAMEWORKS = ['@nestjs/*', 'bullmq', '@opentelemetry/*'];
const LAYERS = {
  observability: '@agentnest/observability*',
  agent: '@agentnest/agent*',
  memory: '@agentnest/memory*',
  providers: '@agentnest/providers*',
  apps: '**/apps/**',
  nestLayer: '**/nest/*',
  jobsLayer: '**/jobs/*',
};
// The agent core's own layering (docs/architecture.md#layering): each folder of libs/agent/src imports only
// folders before it in this list; agent.ts, agent-options.ts and index.ts at the root sit above them all, and
// jobs/ and nest/ above the root. Type-only imports count: a layer never names anything above it, so folders form no cycle.
// errors: AgentError and its kinds · common: canonical JSON, abort races, promised · context, tracing: request scope
// and the job tracer port · cost · events · policy · output · guardrails: the checks themselves · tools: defineTool and
// the built-in tools · mcp · team: agent tools, handoff specs, run links · checkpoint: signing, the ledger, approvals ·
// run: the per-run loop (AgentRun) and its units (checkpoints, team routing, tool turns, guardrail glue).
const CORE_LAYERS = ['errors', 'common', 'context', 'tracing', 'cost', 'events', 'policy', 'output', 'guardrails', 'tools', 'mcp', 'team', 'checkpoint', 'run'];
const CORE = 'libs/agent/src';
const coreLayering = {
  files: [`${CORE}/**/*.ts`],
  ignores: ['**/*.spec.ts', `${CORE}/nest/**`, `${CORE}/jobs/**`],
  rules: {
    'import-x/no-restricted-paths': ['error', {
      zones: CORE_LAYERS.map((layer, i) => ({
        target: `./${CORE}/${layer}/**/*`,
        from: [...CORE_LAYERS.slice(i + 1).map((above) => `./${CORE}/${above}/**/*`), `./${CORE}/*.ts`],
        message: `${layer} sits below ${CORE_LAYERS.slice(i + 1).join(', ')} and the root (docs/architecture.md#layering)`,
      })),
    }],
  },
};
const SOURCES = (glob) => ({ files: [glob], ignores: ['**/*.spec.ts', '**/*.contract.ts'] });
const forbid = (why, ...groups) => ({ 'no-restricted-imports': ['error', { patterns: [{ group: groups, message: why }] }] });

export default tseslint.config(
  { ignores: ['**/dist/**', 'node_modules/**', 'coverage/**', 'docs/api/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The console's page script runs in the browser, as served (no build step).
    files: ['apps/api/public/**/*.js'],
    languageOptions: { sourceType: 'module', globals: Object.fromEntries(['document', 'Node', 'sessionStorage', 'fetch', 'AbortController', 'TextDecoderStream'].map((name) => [name, 'readonly'])) },
  },
  {
    files: ['libs/**/*.ts', 'apps/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { ...importX.flatConfigs.typescript.settings, 'import-x/resolver': undefined, 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    // Code the next engineer can live in: no source file over 400 lines, no function over 60 (nested
    // functions count toward the function that holds them, as scripts/measure-structure.js counts).
    ...SOURCES('{libs,apps}/*/src/**/*.ts'),
    rules: {
      'max-lines': ['error', { max: 400, skipBlankLines: false, skipComments: false }],
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: false, skipComments: false, IIFEs: true }],
    },
  },
  {
    ...SOURCES('libs/providers/src/**/*.ts'),
    rules: forbid('providers is the LLM boundary: framework-free, and independent of memory, agent and observability', LAYERS.memory, LAYERS.agent, LAYERS.observability, LAYERS.apps, ...FRAMEWORKS),
  },
  {
    ...SOURCES('libs/memory/src/**/*.ts'),
    ignores: ['**/*.spec.ts', 'libs/memory/src/nest/**'],
    rules: forbid('the memory core is framework-free and independent of providers, agent and observability (Nest lives in memory/src/nest)', LAYERS.providers, LAYERS.agent, LAYERS.observability, LAYERS.apps, LAYERS.nestLayer, ...FRAMEWORKS),
  },
  {
    ...SOURCES('libs/memory/src/nest/**/*.ts'),
    rules: forbid('the memory Nest layer uses Nest only', LAYERS.providers, LAYERS.agent, LAYERS.observability, LAYERS.apps, 'bullmq', '@nestjs/bullmq', '@opentelemetry/*'),
  },
  {
    ...SOURCES('libs/agent/src/**/*.ts'),
    ignores: ['**/*.spec.ts', 'libs/agent/src/nest/**', 'libs/agent/src/jobs/**'],
    rules: forbid('the agent core is framework-free: Nest lives in agent/src/nest, BullMQ in agent/src/jobs, OpenTelemetry in observability', LAYERS.observability, LAYERS.apps, LAYERS.nestLayer, LAYERS.jobsLayer, ...FRAMEWORKS),
  },
  coreLayering,
  {
    ...SOURCES('libs/agent/src/nest/**/*.ts'),
    rules: forbid('the agent Nest layer uses no BullMQ (agent/src/jobs) and no OpenTelemetry (observability)', LAYERS.observability, LAYERS.apps, LAYERS.jobsLayer, 'bullmq', '@nestjs/bullmq', '@opentelemetry/*'),
  },
  {
    ...SOURCES('libs/agent/src/jobs/**/*.ts'),
    rules: forbid('queued runs are traced through the JobTracer port; OpenTelemetry lives in observability', LAYERS.observability, LAYERS.apps, '@opentelemetry/*'),
  },
  {
    ...SOURCES('libs/observability/src/**/*.ts'),
    rules: forbid('libraries never import from an app', LAYERS.apps),
  },
);
