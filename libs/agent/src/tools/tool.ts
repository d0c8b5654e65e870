import { withStandardFormats } from '../output/standard-formats.js';
import { Ajv, type ValidateFunction } from 'ajv';
import type { ToolSpec } from '@agentnest/providers';
import type { MemoryIdentity } from '@agentnest/memory';
import { AgentConfigError } from '../errors/agent.errors.js';

/** What a tool's `execute` receives besides its arguments. */
export interface ToolContext {
  /** The run calling the tool. */
  runId: string;
  /** The agent calling it (after a handoff, the one that has the conversation). */
  agent: string;
  /** The model's id for this call. */
  toolCallId: string;
  /** Who the run is for: scope any data the tool reads or writes to it. */
  identity: MemoryIdentity;
  /** Aborts when the run is cancelled; long tools should pass it on to their I/O. */
  signal: AbortSignal;
}

/** A function the model may call. Arguments are validated against `inputSchema` before `execute` runs. */
export interface Tool<A = Record<string, unknown>> extends ToolSpec {
  /** Does the work; what it returns (or throws) is sent to the model as the call's result. */
  execute(args: A, ctx: ToolContext): unknown;
  /**
   * The call runs only after someone approves it: always (`true`), or when this says so for the
   * arguments and caller (e.g. refunds over 100). Without a policy `approve` rule any other principal
   * of the tenant may approve; @default false
   */
  needsApproval?: boolean | ((args: A, caller: { identity: MemoryIdentity; roles: readonly string[] }) => boolean);
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
// One compiler for every tool; compiled validators are cached per schema object.
const ajv = withStandardFormats(new Ajv({ allErrors: true, strict: false }));
const validators = new WeakMap<object, ValidateFunction>();

/** The compiled argument validator of a tool's schema (compiled once, reused). */
export function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    validators.set(schema, validate);
  }
  return validate;
}

/**
 * Uses a validator compiled elsewhere for this schema object: an MCP server's schema is compiled
 * as untrusted input (compileUntrustedSchema: bounded, RE2 patterns), never by the shared compiler.
 */
export function useValidator(schema: object, validate: ValidateFunction): void {
  validators.set(schema, validate);
}

/** Checks a tool's name and schema now, so a bad tool fails when defined rather than mid-run. */
export function defineTool<A = Record<string, unknown>>(tool: Tool<A>): Tool<A> {
  if (!TOOL_NAME.test(tool.name)) throw new AgentConfigError(`tool name "${tool.name}" must match ${TOOL_NAME}`);
  if (typeof tool.description !== 'string' || !tool.description) throw new AgentConfigError(`tool "${tool.name}" needs a description`);
  if (typeof tool.execute !== 'function') throw new AgentConfigError(`tool "${tool.name}" needs an execute function`);
  if (typeof tool.inputSchema !== 'object' || tool.inputSchema === null || tool.inputSchema.type !== 'object') {
    throw new AgentConfigError(`tool "${tool.name}" inputSchema must be a JSON Schema of type "object"`);
  }
  try {
    validatorFor(tool.inputSchema);
  } catch (err) {
    throw new AgentConfigError(`tool "${tool.name}" has an invalid inputSchema: ${(err as Error).message}`);
  }
  return Object.freeze({ ...tool });
}

/** "Invalid arguments" text for the model: paths and rules, not the offending values. */
export function describeValidationErrors(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '(arguments)'} ${e.message ?? 'is invalid'}`).join('; ');
}
