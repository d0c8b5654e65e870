import { AgentConfigError, AgentError } from '../errors/agent.errors.js';
import { defineTool, type Tool } from '../tools/tool.js';

/** What team tools need of an agent object (an `Agent`; kept structural so this file does not import the agent). */
export interface TeamMember {
  /** The agent's name. */
  readonly name: string;
  /** What it is for, offered to the model with its tool. */
  readonly description?: string;
}

/** Another agent, as an object or by the name the caller's `agents` lookup resolves at run time. */
export type AgentRef = TeamMember | string;

/** How a parent agent calls another agent as a tool. */
export interface AgentToolSpec {
  kind: 'agent';
  target: AgentRef;
  toMessage(args: Record<string, unknown>): string;
  history: 'own' | 'parent';
}

/** A tool that transfers the conversation to another agent. */
export interface HandoffSpec {
  kind: 'handoff';
  target: AgentRef;
}

export type TeamSpec = AgentToolSpec | HandoffSpec;

// Kept off the tool's enumerable fields: a tool spec sent to a model is name, description and schema only.
const TEAM = Symbol('agentnest.team');

/** The agent-tool or handoff spec of a tool built here; undefined for every other tool. */
export function teamSpec(tool: Tool | undefined): TeamSpec | undefined {
  return (tool as (Tool & { [TEAM]?: TeamSpec }) | undefined)?.[TEAM];
}

export const refName = (ref: AgentRef): string => (typeof ref === 'string' ? ref : ref.name);

/** @default 32,000 characters of a message to a sub-agent (the run endpoints' limit) */
const MAX_MESSAGE = 32_000;

const MESSAGE_SCHEMA = {
  type: 'object',
  properties: { message: { type: 'string', minLength: 1, maxLength: MAX_MESSAGE, description: 'What to ask the agent, with everything it needs to know' } },
  required: ['message'],
  additionalProperties: false,
};

/** How `agentTool` offers another agent to the model as a tool. */
export interface AgentToolOptions {
  /** The tool name the model sees; @default the agent's name */
  name?: string;
  /** What the model is told the agent is good for. */
  description: string;
  /** Arguments other than `{message}`: their schema and how they become the sub-agent's message; @default `{message: string}` */
  input?: {
    /** JSON Schema of the tool's arguments. */
    schema: Record<string, unknown>;
    /** Turns the model's arguments into the message the sub-agent receives. */
    toMessage(args: Record<string, unknown>): string;
  };
  /**
   * `own`: the sub-agent keeps its own conversation under the caller's (it remembers earlier calls
   * from the same conversation); `parent`: it reads the caller's conversation instead and stores
   * nothing; @default 'own'
   */
  history?: 'own' | 'parent';
}

function withSpec(tool: Tool, spec: TeamSpec): Tool {
  // defineTool froze a copy; this copy carries the spec where only this module can read it.
  return Object.freeze(Object.defineProperty({ ...tool }, TEAM, { value: spec, enumerable: false }));
}

/**
 * Lets one agent call another as a tool. The sub-run acts as the same caller (identity and roles;
 * the sub-agent's own tool policy applies), keeps its own conversation under the caller's, and its
 * usage and cost count in the caller's result, budget and tenant ledger. A pause inside it pauses
 * the whole run, and one checkpoint resumes it.
 */
export function agentTool(target: AgentRef, options: AgentToolOptions): Tool {
  if (typeof target !== 'string' && !(target && typeof target === 'object' && typeof target.name === 'string')) throw new AgentConfigError('agentTool needs an agent or an agent name');
  const history = options.history ?? 'own';
  if (history !== 'own' && history !== 'parent') throw new AgentConfigError('agentTool history must be own or parent');
  const toMessage = options.input?.toMessage ?? ((args: Record<string, unknown>) => String(args.message));
  const tool = defineTool({
    name: options.name ?? refName(target),
    description: options.description,
    inputSchema: options.input?.schema ?? MESSAGE_SCHEMA,
    execute: () => {
      throw new AgentError('invalid_input', 'an agent tool runs only inside an agent run');
    },
  });
  return withSpec(tool as Tool, { kind: 'agent', target, toMessage, history });
}

/** Handoff tools are named `transfer_to_<agent>`. */
export const HANDOFF_PREFIX = 'transfer_to_';

/** The tool offered to the model for handing off to `target` (`transfer_to_<name>`, with a reason). */
export function handoffTool(target: AgentRef, description?: string): Tool {
  const name = refName(target);
  const tool = defineTool({
    name: `${HANDOFF_PREFIX}${name}`,
    description: `Transfer the conversation to the ${name} agent${description ? ` (${description})` : ''}. It takes over from here and answers the user.`,
    inputSchema: {
      type: 'object',
      properties: { reason: { type: 'string', minLength: 1, maxLength: 500, description: 'Why the conversation goes to this agent' } },
      required: ['reason'],
      additionalProperties: false,
    },
    execute: () => {
      throw new AgentError('invalid_input', 'a handoff tool runs only inside an agent run');
    },
  });
  return withSpec(tool as Tool, { kind: 'handoff', target });
}
