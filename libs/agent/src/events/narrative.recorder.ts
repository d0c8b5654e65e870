import type { ProviderEvent } from '@agentnest/providers';
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

/** The narration of one run (a run, or a resume of it): the agent it started with and its lines so far. */
interface Told {
  first: string;
  lines: string[];
  /** Sub-runs seen under it, forgotten with it. */
  subRuns: string[];
  /** Its run.end (or run.error) was seen: the run's next event starts a new narration (a resume). */
  ended?: boolean;
}

/**
 * Renders runs as plain lines a person can read: who said what, which tool ran with what
 * arguments, how long it took and what it returned. It keeps every line: attached to an agent, it
 * grows with each run; a new one per run (a run's `recorders`) holds only that run.
 */
export class NarrativeRecorder implements Recorder {
  private readonly out: string[] = [];
  /** Each top-level run's narration while it runs, its sub-runs' lines included; taken with its result, dropped on its failure. */
  private readonly runs = new Map<string, Told>();
  /** The top-level run of each sub-run seen (sub-runs nest: a parent may be a sub-run too). */
  private readonly topOf = new Map<string, string>();

  get lines(): string[] {
    return [...this.out];
  }

  /**
   * The lines of a run's latest start or resume (with those of the agents it called), handed over
   * once: the run's result takes them, so an attached recorder keeps no per-run state past its runs.
   * Empty for a run not narrated here.
   */
  takeLines(runId: string): string[] {
    const told = this.runs.get(runId);
    this.forget(runId);
    return told?.lines ?? [];
  }

  private forget(runId: string): void {
    for (const sub of this.runs.get(runId)?.subRuns ?? []) this.topOf.delete(sub);
    this.runs.delete(runId);
  }

  toString(): string {
    return this.out.join('\n');
  }

  onEvent(event: AgentEvent): void {
    const top = event.parentRunId === undefined ? event.runId : (this.topOf.get(event.parentRunId) ?? event.parentRunId);
    let told = this.runs.get(top);
    // The run at the top of the tree ends its narration; whatever comes next for it is a resume.
    if (!told || told.ended || (event.type === 'run.start' && top === event.runId)) {
      if (told) this.forget(top);
      this.runs.set(top, (told = { first: event.agent, lines: [], subRuns: [] }));
    }
    if (top !== event.runId && !this.topOf.has(event.runId)) {
      this.topOf.set(event.runId, top);
      told.subRuns.push(event.runId);
    }
    if (top === event.runId && (event.type === 'run.end' || event.type === 'run.error')) told.ended = true;
    const lines = NarrativeRecorder.render(event);
    if (!lines) return;
    // A sub-agent's lines are indented under the tool call that started it; an agent other than the first names itself.
    const prefix = `${'  '.repeat(event.depth ?? 0)}${event.agent !== told.first ? `[${event.agent}] ` : ''}`;
    const shown = prefix ? lines.map((l) => prefix + l) : lines;
    this.out.push(...shown);
    told.lines.push(...shown);
    // A failed run returns no result to take its lines: they go now.
    if (top === event.runId && event.type === 'run.error') this.forget(top);
  }

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

  static render(event: AgentEvent): string[] | undefined {
    switch (event.type) {
      case 'run.start':
        return [event.parentRunId ? `Asked: ${quote(event.message)}` : `User: ${quote(event.message)}`];
      case 'memory.read':
        return event.count ? [`Recalled ${event.count} earlier message${event.count === 1 ? '' : 's'} of this conversation`] : undefined;
      case 'llm.request':
        return event.droppedMessages ? [`Left out the ${event.droppedMessages} oldest message${event.droppedMessages === 1 ? '' : 's'} of this conversation to fit the model's context window`] : undefined;
      case 'llm.refit':
        return [`The request was too long for the model: sending it again without ${event.droppedMessages} more earlier message${event.droppedMessages === 1 ? '' : 's'}`];
      case 'memory.summary':
        return [`Summarized ${event.summarized} earlier message${event.summarized === 1 ? '' : 's'} that no longer fit the model's window`];
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
        return [
          event.scope === 'run'
            ? `Run budget of ${usd(event.limitUsd ?? 0)} exceeded (${usd(event.spentUsd ?? 0)} spent): ${event.action === 'halt' ? 'stopping here' : 'going on (warn only)'}`
            : `Tenant ${event.period === 'month' ? 'monthly' : 'daily'} budget spent: no more model calls`,
        ];
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
        return [
          event.status === 'blocked'
            ? `Run blocked by a guardrail after ${calls(event.iterations)}`
            : event.status === 'paused'
            ? `Run paused after ${calls(event.iterations)}`
            : event.status === 'budget_exceeded'
            ? `Run stopped at its budget: ${calls(event.iterations)}, ${event.usage.totalTokens} tokens, ${usd(event.costUsd)} spent, ${ms(event.durationMs)}`
            : `Run completed${event.stoppedEarly ? ' (stopped early at the tool-call limit)' : ''}: ${calls(event.iterations)}, ${event.usage.totalTokens} tokens, ${ms(event.durationMs)}`,
        ];
      case 'run.error':
        return [`Run failed (${event.code}): ${event.message}`];
      case 'resilience':
        return [NarrativeRecorder.decision(event.decision)];
      default:
        return undefined;
    }
  }
}
