import { askHuman, type ToolPolicy } from '@agentnest/agent';
import { type AgentDefinition } from '@agentnest/agent/nest';
import type { LLMProvider } from '@agentnest/providers';
import type { CostConfig } from '../config/cost-config.js';

/** The reference service's agents. `assistant` is the demo: clock, ask-a-human, memory. */
export function demoAgents(provider: LLMProvider, model: string, cost: CostConfig, policy?: ToolPolicy, mcp: string[] = []): Record<string, AgentDefinition> {
  return {
    assistant: {
      provider,
      model,
      pricingTable: cost.pricingTable,
      ...(policy ? { policy } : {}),
      ...(mcp.length ? { mcp } : {}),
      ...(cost.runBudgetUsd !== undefined ? { costBudget: { usd: cost.runBudgetUsd, onExceed: 'halt' as const } } : {}),
      description: 'Demo assistant: tells the time, asks you questions, refunds after an approval, remembers the conversation',
      system: 'You are a helpful assistant. Use the clock tool for the time and askHuman when you need the user to decide.',
      tools: ['clock', 'refund', askHuman],
    },
  };
}
