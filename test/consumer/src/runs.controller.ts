import { Body, Controller, Get, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { AgentService } from '@agentnest/agent/nest';
import { AgentJobs, sendRunEvents } from '@agentnest/agent/jobs';
import type { Response } from 'express';

@Controller()
export class RunsController {
  constructor(
    private readonly agents: AgentService,
    private readonly jobs: AgentJobs,
  ) {}

  @Post('agents/:agent/runs')
  @HttpCode(200)
  async run(@Param('agent') agent: string, @Body() body: { message: string; conversationId?: string }) {
    const result = await this.agents.run(agent, { message: body.message, conversationId: body.conversationId });
    return result.status === 'completed' ? { reply: result.text, conversationId: result.conversationId } : { status: result.status };
  }

  @Post('agents/:agent/jobs')
  @HttpCode(202)
  queue(@Param('agent') agent: string, @Body() body: { message: string }) {
    return this.jobs.enqueue(agent, { message: body.message });
  }

  @Get('runs/:runId')
  status(@Param('runId') runId: string) {
    // An unknown run is the library's RunNotFoundError: AgentExceptionFilter answers 404.
    return this.jobs.get(runId);
  }

  @Get('runs/:runId/events')
  events(@Param('runId') runId: string, @Headers('last-event-id') lastEventId: string | undefined, @Res() res: Response) {
    return sendRunEvents(this.jobs, runId, lastEventId, res);
  }
}
