import { Controller, Delete, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AgentService } from '@agentnest/agent/nest';
import { JsonSchemaPipe } from './json-schema.pipe.js';
import { ERASURE_RESPONSE, ERROR_RESPONSE, HISTORY_QUERY, MAX_PAGE, MESSAGES_RESPONSE } from './schemas.js';

@ApiTags('conversations')
@ApiBearerAuth()
@Controller('v1/conversations')
export class ConversationsController {
  constructor(private readonly agents: AgentService) {}

  @Get(':conversationId/messages')
  @ApiOperation({ summary: "A page of the caller's own messages of a conversation, oldest first (another tenant's conversation reads as empty); follow nextOffset for older ones" })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 50 } })
  @ApiQuery({ name: 'offset', required: false, schema: { type: 'integer', minimum: 0, default: 0 }, description: 'Newest messages to skip' })
  @ApiOkResponse({ schema: MESSAGES_RESPONSE })
  @ApiResponse({ status: 400, description: 'Invalid limit, offset or conversation id', schema: ERROR_RESPONSE })
  @ApiResponse({ status: 401, description: 'Missing or unknown API key', schema: ERROR_RESPONSE })
  async messages(@Param('conversationId') conversationId: string, @Query(new JsonSchemaPipe(HISTORY_QUERY, 'query')) query: { limit?: string; offset?: string }) {
    const limit = query.limit === undefined ? 50 : Number(query.limit);
    const offset = query.offset === undefined ? 0 : Number(query.offset);
    const messages = await this.agents.history(conversationId, { limit, offset });
    // A full page may have older messages before it.
    return { conversationId, messages, ...(messages.length === limit ? { nextOffset: offset + limit } : {}) };
  }

  @Delete(':conversationId')
  @ApiOperation({ summary: "Erase one of the caller's conversations everywhere it went: messages, queued runs with their events and job payloads, checkpoints (another tenant's or principal's is never touched)" })
  @ApiOkResponse({ schema: ERASURE_RESPONSE })
  @ApiResponse({ status: 400, description: 'Invalid conversation id', schema: ERROR_RESPONSE })
  @ApiResponse({ status: 401, description: 'Missing or unknown API key', schema: ERROR_RESPONSE })
  async clear(@Param('conversationId') conversationId: string) {
    return { conversationId, ...(await this.agents.clearConversation(conversationId)) };
  }
}
