import type { OutputInvalidError } from '../errors/agent.errors.js';
import type { OutputSchema } from './output-schema.js';

/** Structured output: the schema a reply must meet and what is served when the model's reply does not. */
export interface OutputOptions {
  /** The reply must be JSON valid against it (JSON Schema or zod); one repair round follows a reply that is not. */
  schema?: OutputSchema;
  /** Third tier: makes a value from a reply that failed validation and repair; its value is validated too. */
  fallback?: (error: OutputInvalidError, raw: string) => unknown;
  /** Last tier: a value served when everything else failed; validated against `schema` when the agent is built. */
  canned?: unknown;
}

/** Which tier produced a structured output. */
export type OutputTier = 'model' | 'repair' | 'fallback' | 'canned';
