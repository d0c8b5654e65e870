import { isSearchable } from '@agentnest/memory';
import { AgentConfigError } from './errors/agent.errors.js';
import type { AgentOptions } from './run/agent.types.js';
import { assertCheckpointSecret } from './checkpoint/checkpoint.js';
import { DEFAULT_CHECKPOINT_TTL_MS, MAX_CHECKPOINT_TTL_MS } from './checkpoint/checkpoint-ledger.js';
import { compileOutputSchema } from './output/output-schema.js';
import { seamProblem } from './run/step-seams.js';

/** Throws AgentConfigError for options that cannot work, before anything runs (a canned output is validated here too). */
export function checkAgentOptions(options: AgentOptions): void {
  if (!options || typeof options.name !== 'string' || !options.name) throw new AgentConfigError('Agent.create needs a name');
  if (!options.provider || typeof options.provider.complete !== 'function') throw new AgentConfigError(`agent "${options.name}" needs a provider`);
  if (typeof options.model !== 'string' || !options.model) throw new AgentConfigError(`agent "${options.name}" needs a model`);
  const { maxIterations, historyLimit } = options;
  if (maxIterations !== undefined && (!Number.isInteger(maxIterations) || maxIterations < 1 || maxIterations > 100)) {
    throw new AgentConfigError(`agent "${options.name}": maxIterations must be an integer from 1 to 100`);
  }
  const seams = seamProblem(options);
  if (seams) throw new AgentConfigError(`agent "${options.name}": ${seams}`);
  if (historyLimit !== undefined && (!Number.isInteger(historyLimit) || historyLimit < 0)) {
    throw new AgentConfigError(`agent "${options.name}": historyLimit must be a non-negative integer`);
  }
  if (options.checkpointSecret !== undefined) assertCheckpointSecret(options.checkpointSecret);
  const ttl = options.checkpointTtlMs;
  if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0 && ttl <= MAX_CHECKPOINT_TTL_MS)) throw new AgentConfigError(`agent "${options.name}": checkpointTtlMs must be a positive integer of at most ${MAX_CHECKPOINT_TTL_MS} (30 days)`);
  const approvalTtl = options.approvalTtlMs;
  // A decision must still find the checkpoint it continues: the approval cannot outlive it.
  if (approvalTtl !== undefined && !(Number.isInteger(approvalTtl) && approvalTtl > 0 && approvalTtl <= (ttl ?? DEFAULT_CHECKPOINT_TTL_MS))) throw new AgentConfigError(`agent "${options.name}": approvalTtlMs must be a positive integer of at most checkpointTtlMs`);
  if (options.costBudget) {
    const { usd, onExceed } = options.costBudget;
    if (typeof usd !== 'number' || !(usd > 0)) throw new AgentConfigError(`agent "${options.name}": costBudget.usd must be a positive number`);
    if (onExceed !== undefined && onExceed !== 'warn' && onExceed !== 'halt') throw new AgentConfigError(`agent "${options.name}": costBudget.onExceed must be warn or halt`);
    if (!options.pricingTable?.[options.model]) throw new AgentConfigError(`agent "${options.name}": costBudget needs a pricingTable with a price for model "${options.model}"`);
  }
  if (options.output?.schema !== undefined) {
    const schema = compileOutputSchema(options.output.schema);
    if (options.output.canned !== undefined) {
      const checked = schema.validate(options.output.canned);
      if (!checked.ok) throw new AgentConfigError(`agent "${options.name}": output.canned does not match output.schema: ${checked.errors.join('; ')}`);
    }
  }
  if (options.handoffs !== undefined) {
    if (!Array.isArray(options.handoffs)) throw new AgentConfigError(`agent "${options.name}": handoffs must be an array of agents or agent names`);
    for (const h of options.handoffs) {
      const name = typeof h === 'string' ? h : h?.name;
      if (typeof name !== 'string' || !name) throw new AgentConfigError(`agent "${options.name}": each handoff must be an agent or an agent name`);
      if (name === options.name) throw new AgentConfigError(`agent "${options.name}" cannot hand off to itself`);
      if (typeof h === 'string' && typeof options.agents !== 'function') throw new AgentConfigError(`agent "${options.name}": handoff "${h}" is a name, which needs an agents lookup`);
    }
  }
  const g = options.guardrails;
  if (g !== undefined) {
    for (const stage of ['input', 'output', 'tool'] as const) {
      const list = g?.[stage];
      if (list === undefined) continue;
      if (!Array.isArray(list)) throw new AgentConfigError(`agent "${options.name}": guardrails.${stage} must be an array`);
      for (const guard of list) {
        if (!guard || typeof guard.name !== 'string' || !guard.name || typeof guard.check !== 'function') throw new AgentConfigError(`agent "${options.name}": each guardrail needs a name and a check function`);
        // `before` (the default) means nothing outside the input stage but is harmless there: piiRedaction() sets it and serves every stage.
        if (guard.mode !== undefined && guard.mode !== 'before' && (stage !== 'input' || guard.mode !== 'parallel')) throw new AgentConfigError(`agent "${options.name}": guardrail "${guard.name}": mode is before or parallel, and parallel only for input guardrails`);
      }
    }
  }
  const depth = options.maxAgentDepth;
  if (depth !== undefined && (!Number.isInteger(depth) || depth < 0 || depth > 10)) throw new AgentConfigError(`agent "${options.name}": maxAgentDepth must be an integer from 0 to 10`);
  if (options.context?.summarize && !options.memory) throw new AgentConfigError(`agent "${options.name}": context.summarize needs a memory store (summaries are kept beside the conversation)`);
  if (options.context?.window !== undefined && !(Number.isInteger(options.context.window) && options.context.window > 0)) throw new AgentConfigError(`agent "${options.name}": context.window must be a positive integer of tokens`);
  if (options.recall && (!options.memory || !isSearchable(options.memory))) throw new AgentConfigError(`agent "${options.name}": recall needs a memory store that supports search`);
}
