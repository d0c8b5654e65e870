import type { LLMProvider, LLMRequest, LLMResponse } from '@agentnest/providers';
import type { MemoryIdentity } from '@agentnest/memory';
import type { ModelPrice } from '../cost/pricing.js';

/** Where a guardrail looks: the user's message, the agent's reply, or a tool's result before the model reads it. */
export type GuardrailStage = 'input' | 'output' | 'tool';

/** What a guardrail decides: let the text through, replace it, or end the run (a tripwire). */
export type GuardrailVerdict = { action: 'pass' } | { action: 'rewrite'; text: string; reason?: string; restore?: Record<string, string> } | { action: 'trip'; reason: string };

/** Lets the text through unchanged. */
export const pass = (): GuardrailVerdict => ({ action: 'pass' });
/** Replaces the text; `restore` maps placeholders back to what they stand for, for the reply to the same caller (see piiRedaction). */
export const rewrite = (text: string, reason?: string, restore?: Record<string, string>): GuardrailVerdict => ({ action: 'rewrite', text, ...(reason ? { reason } : {}), ...(restore ? { restore } : {}) });
/** Ends the run `blocked`; `reason` is kept in its events and the `blocked` result. */
export const trip = (reason: string): GuardrailVerdict => ({ action: 'trip', reason });

/** What a guardrail is given. */
export interface GuardrailInput {
  /** The text checked: the message (input), the reply (output), or the tool's result (tool). */
  text: string;
  /** Which of the three it is. */
  stage: GuardrailStage;
  /** The caller: tenant, principal, conversation. */
  identity: MemoryIdentity;
  /** The caller's roles (per-role rules are code in the guardrail). */
  roles: readonly string[];
  /** The agent whose run it is. */
  agent: string;
  /** With stage `tool`: the tool whose result this is. */
  tool?: string;
  /** Aborts with the run (and, beside the first model call, when another guardrail trips). */
  signal: AbortSignal;
  /** A model call of the guardrail's own: its usage and cost count in the run and the tenant ledger. */
  complete(provider: LLMProvider, request: LLMRequest, price?: ModelPrice): Promise<LLMResponse>;
}

/** A check on the message, the reply or a tool's result; build one or use piiRedaction, maxInput, toolResultGuard, modelGuardrail. */
export interface Guardrail {
  /** Names it in events, results and errors. */
  name: string;
  /**
   * Input guardrails only. `parallel` checks run beside the first model call and cancel it when
   * they trip (they may not rewrite); `before` ones finish before the model sees anything (any
   * guardrail that rewrites, such as redaction); @default 'before'
   */
  mode?: 'before' | 'parallel';
  /** Decides on one text: pass, rewrite or trip. */
  check(input: GuardrailInput): GuardrailVerdict | Promise<GuardrailVerdict>;
}

/** An agent's guardrails by stage. */
export interface GuardrailOptions {
  /** Run on the user's message (and on answers to a paused run) before the model reads it. */
  input?: Guardrail[];
  /** Run on the reply before it is returned or stored. */
  output?: Guardrail[];
  /** Run on every tool result (MCP and sub-agents included) before the model reads it. */
  tool?: Guardrail[];
  /** Keep a blocked turn in memory (the message as the guardrails left it, and a note that it was blocked); @default false */
  storeBlocked?: boolean;
}

/** How a tripped guardrail ended a run. */
export interface GuardrailTrip {
  /** The guardrail that tripped. */
  guardrail: string;
  /** Where it tripped. */
  stage: GuardrailStage;
  /** Its reason. */
  reason: string;
}

/** Thrown inside a run when a guardrail trips; the run turns it into a `blocked` result. */
export class GuardrailTripped {
  constructor(readonly trip: GuardrailTrip) {}
}
