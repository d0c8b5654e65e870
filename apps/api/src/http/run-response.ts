import type { RunResult } from '@agentnest/agent';

/** The HTTP shape of a run: usage renamed for clients, the narrative attached, internals left out. */
export function toRunResponse(result: RunResult, narrative: string[]) {
  const base = {
    runId: result.runId,
    conversationId: result.conversationId,
    status: result.status,
    usage: { inputTokens: result.usage.input, outputTokens: result.usage.output },
    narrative,
  };
  if (result.status === 'paused') return { ...base, pauseData: result.pauseData, checkpoint: result.checkpoint };
  if (result.status === 'budget_exceeded') return { ...base, reply: result.reply, costUsd: result.costUsd, limitUsd: result.limitUsd };
  const structured = result.outputTier ? { output: result.output, outputTier: result.outputTier } : {};
  return { ...base, reply: result.reply, stoppedEarly: result.stoppedEarly, ...structured };
}
