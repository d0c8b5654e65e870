import { GuardrailTrippedError, type RunResult } from '@agentnest/agent';

/** The HTTP shape of a run: its narrative (the run had a NarrativeRecorder), internals left out. A blocked run is an error (422 guardrail_tripped). */
export function toRunResponse(result: RunResult, opts: { keepCheckpoint?: boolean } = {}) {
  if (result.status === 'blocked') throw new GuardrailTrippedError(result.guardrail, result.stage, result.reason);
  const base = {
    runId: result.runId,
    conversationId: result.conversationId,
    status: result.status,
    answeredBy: result.answeredBy,
    usage: result.usage,
    narrative: result.narrative ?? [],
  };
  // A run the service keeps (waiting for an approval) continues server-side: its checkpoint stays there.
  if (result.status === 'paused') return { ...base, pauseData: result.pauseData, ...(opts.keepCheckpoint === false ? {} : { checkpoint: result.checkpoint }) };
  if (result.status === 'budget_exceeded') return { ...base, text: result.text, costUsd: result.costUsd, limitUsd: result.limitUsd };
  const structured = result.outputTier ? { output: result.output, outputTier: result.outputTier } : {};
  return { ...base, text: result.text, finishReason: result.finishReason, stoppedEarly: result.stoppedEarly, ...structured };
}
