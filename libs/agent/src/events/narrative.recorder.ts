import type { ProviderEvent } from '@agentnest/providers';
import { formatUsd } from '../cost/cost-ledger.js';
import type { AgentEvent, Recorder } from './agent-event.js';

/** @default 200 characters of any quoted value */
const MAX_QUOTE = 200;

/** Whitespace that flattening would change: a run of two, or anything but a plain space. */
const LOOSE = /\s\s|[^\S ]/;

function quote(text: string): string {
  // Most quoted values are one line already: testing is cheaper than rebuilding them.
  const flat = (LOOSE.test(text) ? text.replace(/\s+/g, ' ') : text).trim();
  return JSON.stringify(flat.length > MAX_QUOTE ? `${flat.slice(0, MAX_QUOTE)}…` : flat);
}

const ms = (d: number) => `${d < 10 ? d.toFixed(1) : Math.round(d)} ms`;
// Dollars to the millionth, without float noise ($0.03, not $0.030000000000000002).
const usd = (n: number) => `$${Number(n.toFixed(6))}`;
const calls = (n: number) => `${n} model call${n === 1 ? '' : 's'}`;

/** The tenant budget's refusal: "spent" only when settled spend reached the limit. */
function tenantRefusal(e: Extract<AgentEvent, { type: 'budget.exceeded' }>): string {
  const budget = `Tenant ${e.period === 'month' ? 'monthly' : 'daily'} budget`;
  if (e.limitUsd === undefined) return `${budget} cannot cover the next model call: not sent`;
  if ((e.spentUsd ?? 0) >= e.limitUsd) return `${budget} of ${formatUsd(e.limitUsd)} spent: no more model calls`;
  return `${budget} of ${formatUsd(e.limitUsd)} would be exceeded by the next model call (it needs at least ${formatUsd(e.neededUsd ?? 0)}; ${formatUsd(e.spentUsd ?? 0)} spent, ${formatUsd(e.heldUsd ?? 0)} held): not sent`;
}

/** @default 10,000 lines kept by one recorder (an attached one sees every run of its agent) */
const MAX_LINES = 10_000;

/**
 * Renders runs as plain lines a person can read: who said what, which tool ran with what
 * arguments, how long it took and what it returned. A run with a NarrativeRecorder among its
 * recorders also gets a fresh one of its own, whose lines become the result's `narrative`; an
 * attached recorder keeps the newest MAX_LINES lines of every run, so it never grows without bound.
 */
export class NarrativeRecorder implements Recorder {
  private out: string[] = [];

  /** The lines so far (a copy). */
  get lines(): string[] {
    return [...this.out];
  }

  /** The lines so far, one per line of text. */
  toString(): string {
    return this.out.join('\n');
  }

  /** The agent the narrated run started with: lines of any other agent (a handoff, a sub-agent) name theirs. */
  private first?: string;

  /** Adds the event's lines, indented under the tool call that started a sub-agent. */
  onEvent(event: AgentEvent): void {
    const lines = NarrativeRecorder.render(event);
    if (!lines) return;
    this.first ??= event.agent;
    // A sub-agent's lines are indented under the tool call that started it.
    const prefix = `${'  '.repeat(event.depth ?? 0)}${event.agent !== this.first ? `[${event.agent}] ` : ''}`;
    this.out.push(...(prefix ? lines.map((l) => prefix + l) : lines));
    // Dropped in batches, so a long-lived recorder does not copy its lines on every event.
    if (this.out.length > MAX_LINES * 1.25) this.out = this.out.slice(-MAX_LINES);
  }

  /** The line for a provider's retry, fallback, breaker or rate-limit decision. */
  static decision(d: ProviderEvent): string {
    switch (d.type) {
      case 'retry':
        return `  retrying ${d.provider} (attempt ${d.attempt}) in ${d.delayMs} ms after ${d.code}`;
      case 'fallback':
        return `  falling back from ${d.from} to ${d.to} after ${d.code}`;
      case 'breaker':
        return `  circuit for ${d.provider}: ${d.from} -> ${d.to}`;
      case 'rate_limited':
        return d.action === 'wait' ? `  rate limit for ${d.provider}: waiting ${d.waitMs} ms` : `  rate limit for ${d.provider}: refused, budget back in ${d.waitMs} ms`;
    }
  }

  /** The lines one event stands for, or undefined for events a reader need not see (text deltas, for one). */
  static render(event: AgentEvent): string[] | undefined {
    switch (event.type) {
      case 'run.start':
        return [event.parentRunId ? `Asked: ${quote(event.message)}` : `User: ${quote(event.message)}`];
      case 'memory.read':
        return event.count ? [`Recalled ${event.count} earlier message${event.count === 1 ? '' : 's'} of this conversation`] : undefined;
      case 'llm.request': {
        const lines = event.droppedMessages ? [`Left out the ${event.droppedMessages} oldest message${event.droppedMessages === 1 ? '' : 's'} of this conversation to fit the model's context window`] : [];
        if (event.capped) lines.push(`Reply limited to ${event.maxTokens} tokens (of ${event.capped.wanted}): that is what the tenant's ${event.capped.period === 'day' ? 'daily' : 'monthly'} budget has left`);
        return lines.length ? lines : undefined;
      }
      case 'llm.refit':
        return [`The request was too long for the model: sending it again without ${event.droppedMessages} more earlier message${event.droppedMessages === 1 ? '' : 's'}`];
      case 'memory.summary': {
        const more = [event.batches > 1 ? `in ${event.batches} batches` : '', event.remaining ? `${event.remaining} more left for later runs` : ''].filter(Boolean).join('; ');
        return [`Summarized ${event.summarized} earlier message${event.summarized === 1 ? '' : 's'} that no longer fit the model's window${more ? ` (${more})` : ''}`];
      }
      case 'memory.recall':
        return event.count ? [`Recalled ${event.count} related message${event.count === 1 ? '' : 's'} from earlier conversations`] : undefined;
      case 'llm.response': {
        const lines = event.toolCalls.map((c) => `Assistant called ${c.name}(${JSON.stringify(c.args)})`);
        if (event.text) lines.unshift(`Assistant${event.toolCalls.length ? ' (thinking)' : ''}: ${quote(event.text)}`);
        return [...lines, `  model ${event.model} via ${event.provider}: ${event.usage.inputTokens} in / ${event.usage.outputTokens} out tokens, ${ms(event.durationMs)}`];
      }
      case 'tool.end':
        return [event.isError ? `Tool ${event.tool} failed in ${ms(event.durationMs)}: ${quote(event.result)}` : `Tool ${event.tool} returned ${quote(event.result)} in ${ms(event.durationMs)}`];
      case 'output':
        return event.tier === 'model' ? [] : [`Structured output ${event.tier === 'none' ? 'failed in every tier' : `served by the ${event.tier} tier`} (${event.failures.join(' | ')})`];
      case 'tool.denied':
        return [`Tool ${event.tool} refused by policy rule ${event.rule} (tenant ${event.tenant ?? '-'}, principal ${event.principal ?? '-'})`];
      case 'budget.exceeded':
        return [budgetLine(event)];
      case 'pause':
        return [`Paused in ${event.tool}: waiting for ${quote(JSON.stringify(event.pauseData))}`];
      case 'resume':
        // A decision is narrated by its approval.decided line.
        return event.via === 'answer' ? [`Resumed: ${event.tool} answered`] : undefined;
      case 'guardrail':
        return [`Guardrail ${event.guardrail} (${event.stage}${event.tool ? ` ${event.tool}` : ''}): ${event.action === 'pass' ? 'passed' : event.action === 'rewrite' ? `rewrote it${event.reason ? ` (${event.reason})` : ''}` : `tripped: ${event.reason}`}`];
      case 'handoff':
        return [event.held ? `${event.to} holds this conversation: it answers` : `Handed off from ${event.from} to ${event.to}: ${quote(event.reason)}`];
      case 'approval.requested':
        return [`Tool ${event.tool} waits for approval ${event.approvalId} by ${event.approverRoles.length ? `role ${event.approverRoles.join(' or ')}` : 'another user of the tenant'} (until ${event.expiresAt})`];
      case 'approval.decided':
        return [`Approval ${event.approvalId} of ${event.tool}: ${event.decision === 'approve' ? 'approved' : 'denied'} by ${event.approver?.principal ?? 'nobody'}${event.expired ? ' (expired)' : ''}${event.reason ? `: ${quote(event.reason)}` : ''}`];
      case 'run.end':
        return [runEndLine(event)];
      case 'run.error':
        return [`Run failed (${event.code}): ${event.message}`];
      case 'resilience':
        return [NarrativeRecorder.decision(event.decision)];
      default:
        return undefined;
    }
  }
}

function budgetLine(event: Extract<AgentEvent, { type: 'budget.exceeded' }>): string {
  if (event.scope !== 'run') return tenantRefusal(event);
  return `Run budget of ${usd(event.limitUsd ?? 0)} exceeded (${usd(event.spentUsd ?? 0)} spent): ${event.action === 'halt' ? 'stopping here' : 'going on (warn only)'}`;
}

function runEndLine(event: Extract<AgentEvent, { type: 'run.end' }>): string {
  if (event.status === 'blocked') return `Run blocked by a guardrail after ${calls(event.iterations)}`;
  if (event.status === 'paused') return `Run paused after ${calls(event.iterations)}`;
  if (event.status === 'budget_exceeded') return `Run stopped at its budget: ${calls(event.iterations)}, ${event.usage.totalTokens} tokens, ${usd(event.costUsd)} spent, ${ms(event.durationMs)}`;
  return `Run completed${event.stoppedEarly ? ' (stopped early at the tool-call limit)' : ''}: ${calls(event.iterations)}, ${event.usage.totalTokens} tokens, ${ms(event.durationMs)}`;
}
