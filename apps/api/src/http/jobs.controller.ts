import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AgentJobs, sendRunEvents } from '@agentnest/agent/jobs';
import { HttpError } from '@agentnest/agent/nest';
import { JsonSchemaPipe } from './json-schema.pipe.js';
import type { Response } from 'express';
import { ERROR_RESPONSE, JOB_RESPONSE, RUN_ANSWER_REQUEST, RUN_RECORD_RESPONSE, RUNS_QUERY, SYNC_RUN_REQUEST } from './schemas.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,256}$/;
const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

@ApiTags('jobs')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'Missing or unknown API key', schema: ERROR_RESPONSE })
@Controller('v1')
export class JobsController {
  constructor(private readonly jobs: AgentJobs) {}

  @Post('agents/:agent/jobs')
  @HttpCode(202)
  @ApiOperation({ summary: 'Queue a run; poll GET /v1/runs/:runId for its outcome' })
  @ApiParam({ name: 'agent', example: 'assistant' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key and body within 24 h returns the same runId; a different body is 409' })
  @ApiBody({ schema: SYNC_RUN_REQUEST })
  @ApiAcceptedResponse({ schema: JOB_RESPONSE })
  @ApiResponse({ status: 400, description: 'Invalid body, output schema or Idempotency-Key', schema: ERROR_RESPONSE })
  @ApiResponse({ status: 404, description: 'Unknown agent', schema: ERROR_RESPONSE })
  @ApiResponse({ status: 409, description: 'Idempotency-Key reused with another body', schema: ERROR_RESPONSE })
  @ApiResponse({ status: 429, description: 'The tenant has JOBS_MAX_PER_TENANT unfinished (queued, running or paused) runs (too_many_runs); Retry-After says when to try again', schema: ERROR_RESPONSE })
  async enqueue(
    @Param('agent') agent: string,
    @Body(new JsonSchemaPipe(SYNC_RUN_REQUEST)) body: { message: string; conversationId?: string; responseFormat?: { schema: Record<string, unknown> } },
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('traceparent') traceparent: string | undefined,
  ) {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) throw new HttpError(400, 'invalid_header', 'Idempotency-Key must be 1-256 visible ASCII characters');
    const input = { message: body.message, conversationId: body.conversationId, ...(body.responseFormat ? { outputSchema: body.responseFormat.schema } : {}) };
    const queued = await this.jobs.enqueue(agent, input, { idempotencyKey, traceparent: traceparent && TRACEPARENT.test(traceparent) ? traceparent : undefined });
    return { runId: queued.runId, status: queued.status };
  }

  @Get('runs')
  @ApiOperation({ summary: "The caller's most recent runs, newest first: queued ones, and direct ones that paused for an approval" })
  @ApiQuery({ name: 'limit', required: false, schema: RUNS_QUERY.properties.limit })
  @ApiOkResponse({ schema: { type: 'object', properties: { runs: { type: 'array', items: RUN_RECORD_RESPONSE } } } })
  @ApiResponse({ status: 400, description: 'Invalid limit', schema: ERROR_RESPONSE })
  async runs(@Query(new JsonSchemaPipe(RUNS_QUERY, 'query')) query: { limit?: string }) {
    return { runs: await this.jobs.list(query.limit === undefined ? 20 : Number(query.limit)) };
  }

  @Get('runs/:runId')
  @ApiOperation({ summary: "A queued run's status, timestamps, result or error, and usage (another tenant's run is 404)" })
  @ApiOkResponse({ schema: RUN_RECORD_RESPONSE })
  @ApiResponse({ status: 404, description: 'Unknown run', schema: ERROR_RESPONSE })
  async run(@Param('runId') runId: string) {
    return this.jobs.get(runId);
  }

  @Post('runs/:runId/resume')
  @HttpCode(202)
  @ApiOperation({ summary: 'Answer a paused queued run; its continuation is queued (a second answer is 409)' })
  @ApiBody({ schema: RUN_ANSWER_REQUEST })
  @ApiAcceptedResponse({ schema: JOB_RESPONSE })
  @ApiResponse({ status: 404, description: 'Unknown run', schema: ERROR_RESPONSE })
  @ApiResponse({ status: 409, description: 'The run is not paused (already answered, finished or cancelled)', schema: ERROR_RESPONSE })
  async resume(@Param('runId') runId: string, @Body(new JsonSchemaPipe(RUN_ANSWER_REQUEST)) body: { answer: string }) {
    return this.jobs.resume(runId, body.answer);
  }

  @Delete('runs/:runId')
  @ApiOperation({ summary: 'Cancel a run: queued or paused ends at once (200); running is aborted by its worker (202, then cancelled)' })
  @ApiOkResponse({ schema: JOB_RESPONSE })
  @ApiResponse({ status: 404, description: 'Unknown run', schema: ERROR_RESPONSE })
  @ApiResponse({ status: 409, description: 'The run already finished', schema: ERROR_RESPONSE })
  async cancel(@Param('runId') runId: string, @Res({ passthrough: true }) res: Response) {
    const cancelled = await this.jobs.cancel(runId);
    if (cancelled.cancelRequested) res.status(202);
    return cancelled;
  }

  @Get('runs/:runId/events')
  @ApiOperation({ summary: 'Server-Sent Events of a run: status changes, tool start/end, text deltas, the final result; reconnect with Last-Event-ID to get what you missed' })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The id of the last event received (<ms>-<seq>); anything else is 400 invalid_last_event_id' })
  @ApiOkResponse({ description: 'text/event-stream; closes after completed, failed, cancelled or budget_exceeded' })
  @ApiResponse({ status: 204, description: 'The client already has the final event (a browser EventSource stops reconnecting)' })
  @ApiResponse({ status: 400, description: 'Malformed Last-Event-ID', schema: ERROR_RESPONSE })
  @ApiResponse({ status: 404, description: 'Unknown run', schema: ERROR_RESPONSE })
  @ApiResponse({ status: 429, description: 'The tenant has too many live streams open', schema: ERROR_RESPONSE })
  async events(@Param('runId') runId: string, @Headers('last-event-id') lastEventId: string | undefined, @Res() res: Response): Promise<void> {
    await sendRunEvents(this.jobs, runId, lastEventId, res);
  }
}
