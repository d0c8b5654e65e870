import { Controller, Delete } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AgentService } from '@agentnest/agent/nest';
import { ERASURE_RESPONSE, ERROR_RESPONSE } from './schemas.js';

@ApiTags('conversations')
@ApiBearerAuth()
@Controller('v1/memory')
export class MemoryController {
  constructor(private readonly agents: AgentService) {}

  @Delete()
  @ApiOperation({ summary: "Forget everything of the caller's principal within their tenant (right to be forgotten): conversations, queued runs and their events and jobs, checkpoints" })
  @ApiOkResponse({ schema: ERASURE_RESPONSE })
  @ApiResponse({ status: 401, description: 'Missing or unknown API key', schema: ERROR_RESPONSE })
  async forget() {
    return this.agents.forgetCaller();
  }
}
