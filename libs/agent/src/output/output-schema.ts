import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { AgentConfigError } from '../errors/agent.errors.js';
import { withStandardFormats } from './standard-formats.js';

/** A zod schema, recognised by shape so the agent library does not depend on zod. */
export interface ZodLike {
  /** Validates a value without throwing, as zod does. */
  safeParse(value: unknown): { success: true; data: unknown } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } };
  /** zod 4's JSON Schema export: shown to the model so it knows the shape to reply with. */
  toJSONSchema?(): Record<string, unknown>;
}

/** A JSON Schema object, or a zod schema. */
export type OutputSchema = Record<string, unknown> | ZodLike;

/**
 * A validated value, or why it is not valid (one line per error, for the repair round).
 * @inline
 */
export type Validation = { ok: true; value: unknown } | { ok: false; errors: string[] };

/** A compiled output schema: validates values and describes itself to the model. */
export interface CompiledOutputSchema {
  /** Checks a parsed reply against the schema. */
  validate(value: unknown): Validation;
  /** JSON Schema text for the prompt. */
  readonly text: string;
}

export const isZod = (s: OutputSchema): s is ZodLike => typeof (s as ZodLike).safeParse === 'function';

// An agent's own schemas are code, compiled once each in one shared compiler. Schemas that come
// from requests never reach it: they go through compileUntrustedSchema (untrusted-schema.ts).
const ajv = withStandardFormats(new Ajv({ allErrors: true, strict: false }));

function compileJsonSchema(schema: Record<string, unknown>): ValidateFunction {
  try {
    return ajv.compile(schema);
  } catch (err) {
    throw new AgentConfigError(`output schema is not a valid JSON Schema: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Validation errors as short lines for the model's repair round. */
export const describeErrors = (errors: ErrorObject[] | null | undefined) => (errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`);

// A schema object (an agent's own, or a zod schema passed to every run) is compiled once.
const bySchemaObject = new WeakMap<object, CompiledOutputSchema>();

/** Compiles a JSON Schema or zod schema (once per schema object); a JSON Schema that does not compile is an AgentConfigError. */
export function compileOutputSchema(schema: OutputSchema): CompiledOutputSchema {
  if (!schema || typeof schema !== 'object') throw new AgentConfigError('output schema must be a JSON Schema object or a zod schema');
  let compiled = bySchemaObject.get(schema);
  if (!compiled) {
    compiled = compileUncached(schema);
    bySchemaObject.set(schema, compiled);
  }
  return compiled;
}

function compileUncached(schema: OutputSchema): CompiledOutputSchema {
  if (isZod(schema)) {
    return {
      text: schema.toJSONSchema ? JSON.stringify(schema.toJSONSchema()) : '(a JSON value)',
      validate: (value) => {
        const r = schema.safeParse(value);
        return r.success ? { ok: true, value: r.data } : { ok: false, errors: r.error.issues.map((i) => `${i.path.length ? `/${i.path.map(String).join('/')}` : '(root)'} ${i.message}`) };
      },
    };
  }
  const validate = compileJsonSchema(schema);
  return {
    text: JSON.stringify(schema),
    validate: (value) => (validate(value) ? { ok: true, value } : { ok: false, errors: describeErrors(validate.errors) }),
  };
}

/** Reads a JSON value from a model reply: the whole text, a fenced ```json block, or the outermost {...} / [...]. */
export function parseJsonReply(text: string): { ok: true; value: unknown } | { ok: false; errors: string[] } {
  const candidates = [text.trim()];
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  if (fenced) candidates.push(fenced[1].trim());
  for (const [open, close] of [['{', '}'], ['[', ']']]) {
    const start = text.indexOf(open);
    const end = text.lastIndexOf(close);
    if (start >= 0 && end > start) candidates.push(text.slice(start, end + 1));
  }
  for (const c of candidates) {
    try {
      return { ok: true, value: JSON.parse(c) };
    } catch {
      // try the next reading
    }
  }
  return { ok: false, errors: ['the reply is not valid JSON'] };
}
