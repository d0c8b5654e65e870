import { Injectable } from '@nestjs/common';
import { AgentJobs } from '../../agent-jobs.service.js';
import { RunStateError, type RunRecord } from '../../runs/run-registry.js';
import type { ApprovalPauseData } from '../../../checkpoint/approval.js';
import { answerText, ChatRequestError, type ChatTurn } from './chat-turn.js';
import { UiMessageChunks, type UiMessageChunk } from './ui-message-chunks.js';

const ACTIVE = new Set(['queued', 'running']);

/**
 * Chats in the AI SDK's UI message stream protocol, as the caller in the request context. Every
 * turn is a queued run of the conversation named by the chat id, so its events are in Redis: the
 * response streams them as UI message chunks, a dropped client reconnects to the same run, and a
 * pause (askHuman, an approval) is answered by the next request of the same chat.
 */
@Injectable()
export class AgentChat {
  constructor(private readonly jobs: AgentJobs) {}

  /** Starts a turn, or continues the paused one with the client's answer or approval response. */
  async send(agent: string, chatId: string, turn: ChatTurn, signal: AbortSignal): Promise<AsyncIterable<UiMessageChunk>> {
    const latest = await this.jobs.latestRun(chatId);
    if (latest && ACTIVE.has(latest.status)) throw new RunStateError(latest.status, 'send', 'cannot send to a chat whose reply is still being written: reconnect to its stream');
    if (turn.kind === 'message') {
      if (latest?.status === 'paused') throw new RunStateError('paused', 'send', 'cannot send a new message to a chat that waits for an answer to its tool call: answer it first');
      const { runId } = await this.jobs.enqueue(agent, { message: turn.text, conversationId: chatId });
      return this.stream(runId, '0', `msg-${runId}`, signal);
    }
    // Only the agent of the URL's own paused run: another agent's run is continued at its own address, under its own access rules.
    if (latest?.status !== 'paused' || latest.agent !== agent) throw new ChatRequestError('nothing in this chat waits for a tool output or an approval');
    const after = await this.jobs.lastEventId(latest.runId);
    await this.continueRun(latest, turn);
    return this.stream(latest.runId, after, turn.messageId, signal);
  }

  /** The chat's reply being written, replayed from its start (what `useChat({resume: true})` asks for); undefined when none is. */
  async resume(chatId: string, signal: AbortSignal): Promise<AsyncIterable<UiMessageChunk> | undefined> {
    const latest = await this.jobs.latestRun(chatId);
    if (!latest || !ACTIVE.has(latest.status)) return undefined;
    return this.stream(latest.runId, '0', `msg-${latest.runId}`, signal);
  }

  private async continueRun(run: RunRecord, turn: Extract<ChatTurn, { kind: 'continue' }>): Promise<void> {
    const pause = run.pauseData as Partial<ApprovalPauseData> | undefined;
    if (pause?.kind === 'approval') {
      const response = turn.approvals.get(pause.approvalId!);
      if (!response) throw new ChatRequestError(`respond to approval ${pause.approvalId} of ${pause.tool}`);
      // Decided as the caller: separation of duties holds here as everywhere (403 for your own call unless the policy allows it).
      const decided = await this.jobs.decideApproval(pause.approvalId!, { decision: response.approved ? 'approve' : 'deny', ...(response.reason ? { reason: response.reason } : {}) });
      if (!decided) throw new ChatRequestError('the approval is gone');
      return;
    }
    const toolCallId = await this.jobs.pendingToolCall(run.runId);
    if (!toolCallId || !turn.outputs.has(toolCallId)) throw new ChatRequestError(`answer the pending tool call ${toolCallId ?? ''}`.trim());
    await this.jobs.resume(run.runId, answerText(turn.outputs.get(toolCallId)));
  }

  private async *stream(runId: string, after: string, messageId: string, signal: AbortSignal): AsyncGenerator<UiMessageChunk> {
    const follow = await this.jobs.follow(runId, after, signal);
    const chunks = new UiMessageChunks(runId, messageId);
    yield* chunks.start();
    if (!follow) return;
    for await (const { event } of follow.events) {
      // A pause ends the response only while the run still waits; replayed, it is followed by the continuation.
      const pauseIsFinal = event.type === 'status' && event.status === 'paused' ? await this.jobs.get(runId).then((run) => run.status === 'paused', () => false) : true;
      yield* chunks.next(event, pauseIsFinal);
      if (chunks.done) return;
    }
  }
}
