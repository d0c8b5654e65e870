import { Body, Controller, Get, HttpCode, Optional, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AgentService, requestSignal, type AgentCallOptions } from '@agentnest/agent/nest';
import { isPaused, NarrativeRecorder, type RunResult } from '@agentnest/agent';
import { AgentJobs } from '@agentnest/agent/jobs';
import type { Response } from 'express';
import { JsonSchemaPipe } from './json-schema.pipe.js';
import { toRunResponse } from './run-response.js';
import { AGENTS_RESPONSE, ERROR_RESPONSE, RESUME_REQUEST, RUN_RESPONSE, SYNC_RUN_REQUEST } from './schemas.js';

interface RunBody {
  responseFormat?: { schema: Record<string, unknown> };
  message: string;
  conversationId?: string;
}

interface ResumeBody {
  checkpoint: unknown;
  answer: string;
}

@ApiTags('agents')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'Missing or unknown API key', schema: ERROR_RESPONSE })
@Controller('v1/agents')
export class AgentsController {
  constructor(
    private readonly agents: AgentService,
    // Absent without Redis: a run paused for an approval is then returned with its checkpoint.
    @Optional() private readonly jobs?: AgentJobs,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List the agents and their tools' })
  @ApiOkResponse({ schema: AGENTS_RESPONSE })
  list() {
    return { agents: this.agents.list() };
  }

  @Post(':agent/runs')
  @HttpCode(200)
  @ApiOperation({ summary: 'Run an agent on a message and wait for its reply (or its pause)' })
  @ApiParam({ name: 'agent', example: 'assistant' })
  @ApiBody({ schema: SYNC_RUN_REQUEST })
  @ApiOkResponse({ schema: RUN_RESPONSE })
  @ApiResponse({ status: 400, description: 'Invalid body or JSON', schema: ERROR_RESPONSE })
  @ApiResponse({ status: 404, description: 'Unknown agent', schema: ERROR_RESPONSE })
  @ApiResponse({ status: 413, description: 'Body over 1 MB', schema: ERROR_RESPONSE })
  run(@Param('agent') agent: string, @Body(new JsonSchemaPipe(SYNC_RUN_REQUEST)) body: RunBody, @Res({ passthrough: true }) res: Response) {
    const outputSchema = body.responseFormat?.schema;
    return this.narrated(res, agent, outputSchema, (opts) => this.agents.run(agent, { ...opts, message: body.message, conversationId: body.conversationId, outputSchema }));
  }

  @Post(':agent/runs/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Answer a paused run and continue it' })
  @ApiParam({ name: 'agent', example: 'assistant' })
  @ApiBody({ schema: RESUME_REQUEST })
  @ApiOkResponse({ schema: RUN_RESPONSE })
  @ApiResponse({ status: 400, description: 'Invalid body, or a checkpoint that was edited, signed elsewhere or issued by another agent', schema: ERROR_RESPONSE })
  @ApiResponse({ status: 403, description: 'Checkpoint of another tenant or principal', schema: ERROR_RESPONSE })
  @ApiResponse({ status: 404, description: 'Unknown agent', schema: ERROR_RESPONSE })
  resume(@Param('agent') agent: string, @Body(new JsonSchemaPipe(RESUME_REQUEST)) body: ResumeBody, @Res({ passthrough: true }) res: Response) {
    return this.narrated(res, agent, undefined, (opts) => this.agents.resume(agent, body.checkpoint, body.answer, opts));
  }

  /**
   * Runs with a per-request narrative and a signal that aborts if the client leaves. A run paused
   * for an approval is handed to the queue: an approver decides it later, and it continues there.
   */
  private async narrated(res: Response, agent: string, outputSchema: Record<string, unknown> | undefined, call: (opts: AgentCallOptions) => Promise<RunResult>) {
    const result = await call({ recorders: [new NarrativeRecorder()], signal: requestSignal(res) });
    if (this.jobs && isPaused(result) && (result.pauseData as { kind?: unknown }).kind === 'approval') {
      await this.jobs.adopt(agent, result, { outputSchema });
      return toRunResponse(result, { keepCheckpoint: false });
    }
    return toRunResponse(result);
  }
}
