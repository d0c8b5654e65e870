import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AgentJobs, sendApprovalEvents } from '@agentnest/agent/jobs';
import type { Response } from 'express';
import { HttpError } from '@agentnest/agent/nest';
import { JsonSchemaPipe } from './json-schema.pipe.js';
import { APPROVAL_DECISION_REQUEST, APPROVAL_RESPONSE, APPROVALS_QUERY, ERROR_RESPONSE } from './schemas.js';

const APPROVAL_ID = /^[\w-]{1,64}$/;

@ApiTags('approvals')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'Missing or unknown API key', schema: ERROR_RESPONSE })
@Controller('v1/approvals')
export class ApprovalsController {
  constructor(private readonly jobs: AgentJobs) {}

  @Get()
  @ApiOperation({ summary: "The tenant's approvals the caller may see: their own requests, and those they may decide" })
  @ApiQuery({ name: 'status', required: false, schema: APPROVALS_QUERY.properties.status })
  @ApiOkResponse({ schema: { type: 'object', properties: { approvals: { type: 'array', items: APPROVAL_RESPONSE } } } })
  async list(@Query(new JsonSchemaPipe(APPROVALS_QUERY, 'query')) query: { status?: 'pending' | 'decided' }) {
    return { approvals: await this.jobs.listApprovals(query.status) };
  }

  @Get(':approvalId')
  @ApiOperation({ summary: "One approval (another tenant's, or one the caller may not see, is 404 like an unknown one)" })
  @ApiOkResponse({ schema: APPROVAL_RESPONSE })
  @ApiResponse({ status: 404, description: 'Unknown approval', schema: ERROR_RESPONSE })
  async get(@Param('approvalId') approvalId: string) {
    const found = APPROVAL_ID.test(approvalId) ? await this.jobs.getApproval(approvalId) : undefined;
    if (!found) throw new HttpError(404, 'approval_not_found', 'no such approval');
    return found;
  }

  @Post(':approvalId')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve or deny: the run continues (queued) as the caller who asked; approved, exactly the shown call runs' })
  @ApiBody({ schema: APPROVAL_DECISION_REQUEST })
  @ApiOkResponse({ schema: { type: 'object', properties: { approvalId: { type: 'string' }, runId: { type: 'string' }, status: { type: 'string', enum: ['approved', 'denied'] } } } })
  @ApiResponse({ status: 403, description: 'Not an approver of this call (or your own call)', schema: ERROR_RESPONSE })
  @ApiResponse({ status: 404, description: 'Unknown approval', schema: ERROR_RESPONSE })
  @ApiResponse({ status: 409, description: 'Already decided', schema: ERROR_RESPONSE })
  async decide(@Param('approvalId') approvalId: string, @Body(new JsonSchemaPipe(APPROVAL_DECISION_REQUEST)) body: { decision: 'approve' | 'deny'; reason?: string }) {
    const decided = APPROVAL_ID.test(approvalId) ? await this.jobs.decideApproval(approvalId, body) : undefined;
    if (!decided) throw new HttpError(404, 'approval_not_found', 'no such approval');
    return decided;
  }

  @Get(':approvalId/events')
  @ApiOperation({ summary: "Server-Sent Events of the approval's run, for whoever may see the approval (approvers watch what their decision led to); like GET /v1/runs/{runId}/events" })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The id of the last event received' })
  @ApiOkResponse({ description: 'text/event-stream; closes after the run ends' })
  @ApiResponse({ status: 204, description: 'The client already has the final event' })
  @ApiResponse({ status: 400, description: 'Malformed Last-Event-ID', schema: ERROR_RESPONSE })
  @ApiResponse({ status: 404, description: 'Unknown approval', schema: ERROR_RESPONSE })
  @ApiResponse({ status: 429, description: 'The tenant has too many live streams open', schema: ERROR_RESPONSE })
  async events(@Param('approvalId') approvalId: string, @Headers('last-event-id') lastEventId: string | undefined, @Res() res: Response): Promise<void> {
    await sendApprovalEvents(this.jobs, approvalId, lastEventId, res);
  }
}
