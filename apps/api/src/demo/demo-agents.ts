import { askHuman, type ToolPolicy } from '@agentnest/agent';
import { type AgentDefinition } from '@agentnest/agent/nest';
import type { LLMProvider } from '@agentnest/providers';
import type { CostConfig } from '../config/cost-config.js';

/**
 * The reference service's agents. `assistant` is the demo: clock, ask-a-human, refunds after an
 * approval, memory. `triage` hands every conversation to `assistant`, or to `billing` when it is
 * about an invoice; `billing` hands back what is not about billing. `concierge` consults
 * `assistant` and `billing` as tools and relays their answers.
 */
export function demoAgents(provider: LLMProvider, model: string, cost: CostConfig, policy?: ToolPolicy, mcp: string[] = []): Record<string, AgentDefinition> {
  const shared = {
    provider,
    model,
    pricingTable: cost.pricingTable,
    ...(policy ? { policy } : {}),
    ...(cost.runBudgetUsd !== undefined ? { costBudget: { usd: cost.runBudgetUsd, onExceed: 'halt' as const } } : {}),
  };
  return {
    assistant: {
      ...shared,
      ...(mcp.length ? { mcp } : {}),
      description: 'Demo assistant: tells the time, asks you questions, refunds after an approval, remembers the conversation',
      system: 'You are a helpful assistant. Use the clock tool for the time and askHuman when you need the user to decide.',
      tools: ['clock', 'refund', askHuman],
    },
    triage: {
      ...shared,
      description: 'Front desk: hands each conversation to the agent for it (billing for invoices, the assistant for the rest)',
      system: 'You route conversations. Transfer invoice and payment questions to billing, everything else to the assistant. Never answer yourself.',
      handoffs: ['assistant', 'billing'],
    },
    billing: {
      ...shared,
      description: 'Billing: looks up invoices and refunds them after an approval',
      system: 'You handle invoices and payments. Use the invoice tool to look invoices up. Transfer anything else back to triage.',
      tools: ['invoice', 'refund', askHuman],
      handoffs: ['triage'],
    },
    concierge: {
      ...shared,
      description: 'Consults the assistant and billing agents as tools and relays their answers',
      system: 'You answer by asking the right specialist agent and relaying what it says.',
      agentTools: ['assistant', 'billing'],
    },
  };
}
