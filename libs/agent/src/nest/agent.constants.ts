/** Metadata key set by `@AgentTool` on provider methods. */
export const AGENT_TOOL_METADATA = 'agentnest:agent-tool';
