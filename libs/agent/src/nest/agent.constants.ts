/** Metadata key set by `@AgentTool` on provider methods. */
export const AGENT_TOOL_METADATA = 'agentnest:agent-tool';
/** Injection token of the module's MemoryStore (the configured one, or an InMemoryStore). */
export const AGENT_MEMORY_STORE = Symbol('AGENT_MEMORY_STORE');
