import type { ServerResponse } from 'node:http';
import { HttpError } from '../../nest/http-error.js';
import { requestSignal } from '../../nest/request-signal.js';
import type { AgentJobs, RunFollow } from '../agent-jobs.service.js';
import { isRunId, RunNotFoundError } from '../runs/run-not-found.error.js';

/**
 * Serves a run's live events as Server-Sent Events from your own controller, as the caller in the
 * request context: replays what follows `lastEventId` (the `Last-Event-ID` header), then streams
 * until the run's final status. 204 when the client already has the final event (a browser's
 * EventSource stops reconnecting); throws RunNotFoundError (404) for a run that is not the caller's, 400 for
 * a malformed id, 429 past the tenant's stream limit. Use with `@Res()` (Express or raw Node).
 *
 * ```ts
 * @Get('runs/:id/events')
 * events(@Param('id') id: string, @Headers('last-event-id') last: string | undefined, @Res() res: Response) {
 *   return sendRunEvents(this.jobs, id, last, res);
 * }
 * ```
 */
export async function sendRunEvents(jobs: AgentJobs, runId: string, lastEventId: string | undefined, res: ServerResponse): Promise<void> {
  if (!isRunId(runId)) throw new RunNotFoundError();
  // An empty header is no header (nothing received yet).
  const follow = await jobs.follow(runId, lastEventId || '0', requestSignal(res));
  if (!follow) throw new RunNotFoundError();
  await send(follow, res);
}

/**
 * Like sendRunEvents, for the run an approval belongs to, to whoever may see the approval (its
 * approvers watch what their decision led to); 404 approval_not_found otherwise.
 */
export async function sendApprovalEvents(jobs: AgentJobs, approvalId: string, lastEventId: string | undefined, res: ServerResponse): Promise<void> {
  if (!/^[\w-]{1,64}$/.test(approvalId)) throw new HttpError(404, 'approval_not_found', 'no such approval');
  const follow = await jobs.followApproval(approvalId, lastEventId || '0', requestSignal(res));
  if (!follow) throw new HttpError(404, 'approval_not_found', 'no such approval');
  await send(follow, res);
}

async function send(follow: RunFollow, res: ServerResponse): Promise<void> {
  if (follow.upToDate) {
    res.writeHead(204).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.flushHeaders();
  for await (const { id, event } of follow.events) res.write(`id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  res.end();
}
