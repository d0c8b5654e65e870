import type { Usage } from '@agentnest/providers';
import type { RunStreamEvent } from '../../streams/run-events.js';

/** One chunk of the AI SDK's UI message stream (protocol v1), as this service writes them. */
export type UiMessageChunk = { type: string } & Record<string, unknown>;

/** What a finished, paused or failed chat turn reports in `finish.messageMetadata`. */
export interface ChatMessageMetadata {
  runId: string;
  status: string;
  usage?: Usage;
}

/**
 * Turns one run's events into the AI SDK's UI message stream: steps, text parts, tool parts (input,
 * output, error, approval request/response, denial), data parts for a pause, finish with usage, or
 * an error part. Stateful: feed it the run's events in order, one translator per response.
 */
export class UiMessageChunks {
  private stepOpen = false;
  private textId?: string;
  private texts = 0;
  /** Whether the current step streamed any text (a non-streaming provider's reply is sent at the end). */
  private stepHadText = false;
  private readonly denied = new Set<string>();
  /** Calls whose approval was decided: the client shows them already, so running one adds no new part. */
  private readonly decided = new Set<string>();
  private finished = false;

  constructor(
    private readonly runId: string,
    /** The assistant message the chunks build: a new one per turn, the same one when a pause is answered. */
    private readonly messageId: string,
  ) {}

  get done(): boolean {
    return this.finished;
  }

  start(): UiMessageChunk[] {
    return [{ type: 'start', messageId: this.messageId, messageMetadata: { runId: this.runId } }];
  }

  /** The chunks for one run event; a paused status is final only when `pauseIsFinal` (the run still waits). */
  next(e: RunStreamEvent, pauseIsFinal = true): UiMessageChunk[] {
    switch (e.type) {
      case 'step':
        return [...this.closeStep(), { type: 'start-step' }, ...this.openedStep()];
      case 'text':
        return [...this.ensureStep(), ...this.ensureText(), { type: 'text-delta', id: this.textId!, delta: e.delta }];
      case 'tool.start':
        if (e.toolCallId && this.decided.has(e.toolCallId)) return this.closeText();
        return [...this.ensureStep(), ...this.closeText(), { type: 'tool-input-available', toolCallId: e.toolCallId ?? e.tool, toolName: e.tool, input: e.args }];
      case 'tool.end': {
        const toolCallId = e.toolCallId ?? e.tool;
        if (this.denied.delete(toolCallId)) return [...this.closeText(), { type: 'tool-output-denied', toolCallId }];
        return [...this.closeText(), e.isError ? { type: 'tool-output-error', toolCallId, errorText: e.result } : { type: 'tool-output-available', toolCallId, output: e.result }];
      }
      case 'approval.requested': {
        const toolCallId = e.toolCallId ?? e.approvalId;
        return [
          ...this.ensureStep(),
          ...this.closeText(),
          { type: 'tool-input-available', toolCallId, toolName: e.tool, input: e.args },
          { type: 'tool-approval-request', approvalId: e.approvalId, toolCallId },
          { type: 'data-agentnest-approval', id: e.approvalId, data: { approvalId: e.approvalId, toolCallId, tool: e.tool, expiresAt: e.expiresAt } },
        ];
      }
      case 'approval.decided': {
        const approved = e.decision === 'approve';
        if (e.toolCallId) this.decided.add(e.toolCallId);
        // Denied, the call's result (the denial the model reads) is shown as a denied tool call.
        if (!approved && e.toolCallId) this.denied.add(e.toolCallId);
        return [{ type: 'tool-approval-response', approvalId: e.approvalId, approved, ...(e.reason ? { reason: e.reason } : {}) }];
      }
      case 'status':
        return this.status(e, pauseIsFinal);
      default:
        return [];
    }
  }

  private status(e: Extract<RunStreamEvent, { type: 'status' }>, pauseIsFinal: boolean): UiMessageChunk[] {
    const meta = (status: string): ChatMessageMetadata => ({ runId: this.runId, status, ...(e.usage ? { usage: e.usage } : {}) });
    switch (e.status) {
      case 'completed':
      case 'budget_exceeded': {
        // A provider that does not stream left the step without text: the reply is sent whole.
        const whole = !this.stepHadText && e.text ? [...this.ensureStep(), ...this.ensureText(), { type: 'text-delta', id: this.textId!, delta: e.text }] : [];
        return this.finish(whole, e.finishReason ?? (e.status === 'completed' ? 'stop' : 'length'), meta(e.status));
      }
      case 'paused': {
        if (!pauseIsFinal) return [];
        const approval = (e.pauseData as { kind?: unknown } | undefined)?.kind === 'approval';
        // An approval already has its tool-approval-request; any other pause (askHuman) is told as data the client can render.
        const data = approval ? [] : [{ type: 'data-agentnest-pause', id: e.toolCallId ?? this.runId, data: { toolCallId: e.toolCallId, pauseData: e.pauseData } }];
        return this.finish(data, 'tool-calls', meta('paused'));
      }
      case 'failed':
      case 'blocked':
        return this.finish([{ type: 'error', errorText: e.error ? `${e.error.code}: ${e.error.message}` : `the run ${e.status}` }], 'error', meta(e.status));
      case 'cancelled':
        return this.finish([{ type: 'abort', reason: 'cancelled' }], 'other', meta('cancelled'));
      default:
        return [];
    }
  }

  private finish(before: UiMessageChunk[], finishReason: string, messageMetadata: ChatMessageMetadata): UiMessageChunk[] {
    this.finished = true;
    return [...before, ...this.closeStep(), { type: 'finish', finishReason, messageMetadata }];
  }

  private openedStep(): UiMessageChunk[] {
    this.stepOpen = true;
    this.stepHadText = false;
    return [];
  }

  private ensureStep(): UiMessageChunk[] {
    if (this.stepOpen) return [];
    return [{ type: 'start-step' }, ...this.openedStep()];
  }

  private ensureText(): UiMessageChunk[] {
    this.stepHadText = true;
    if (this.textId) return [];
    this.textId = `${this.messageId}-text-${++this.texts}`;
    return [{ type: 'text-start', id: this.textId }];
  }

  private closeText(): UiMessageChunk[] {
    if (!this.textId) return [];
    const id = this.textId;
    this.textId = undefined;
    return [{ type: 'text-end', id }];
  }

  private closeStep(): UiMessageChunk[] {
    if (!this.stepOpen) return this.closeText();
    this.stepOpen = false;
    return [...this.closeText(), { type: 'finish-step' }];
  }
}
