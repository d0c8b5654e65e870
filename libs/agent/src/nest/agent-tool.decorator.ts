import { SetMetadata } from '@nestjs/common';
import type { Tool } from '../tools/tool.js';
import { AGENT_TOOL_METADATA } from './agent.constants.js';

/** How `@AgentTool` offers a provider's method to the model. */
export interface AgentToolOptions {
  /** The tool name the model sees; @default the method name */
  name?: string;
  /** What the model is told the tool does and when to use it. */
  description: string;
  /** JSON Schema (type "object") of the method's first argument. */
  inputSchema: Record<string, unknown>;
  /** The call runs only once approved (see Tool.needsApproval); @default false */
  needsApproval?: Tool['needsApproval'];
}

/**
 * Marks a method of a Nest provider as an agent tool, discovered at boot; the method is called
 * as `(args, ctx)` on the provider instance, so it can use injected services.
 */
export const AgentTool = (options: AgentToolOptions): MethodDecorator => SetMetadata(AGENT_TOOL_METADATA, options);
