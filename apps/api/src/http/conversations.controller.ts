import { Controller, Delete, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AgentService } from '@agentnest/agent';
import { JsonSchemaPipe } from './json-schema.pipe.js';
import { ERROR_RESPONSE, HISTORY_QUERY, MESSAGES_RESPONSE } from './schemas.js';

@ApiTags('conversations')
@ApiBearerAuth()
@Controller('v1/conversations')
export class ConversationsController {
  constructor(private readonly agents: AgentService) {}

  @Get(':conversationId/messages')
  @ApiOperation({ summary: "The caller's own messages of a conversation, oldest first (another tenant's conversation reads as empty)" })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } })
  @ApiOkResponse({ schema: MESSAGES_RESPONSE })
  @ApiResponse({ status: 400, description: 'Invalid limit or conversation id', schema: ERROR_RESPONSE })
  @ApiResponse({ status: 401, description: 'Missing or unknown API key', schema: ERROR_RESPONSE })
  async messages(@Param('conversationId') conversationId: string, @Query(new JsonSchemaPipe(HISTORY_QUERY, 'query')) query: { limit?: string }) {
    const limit = query.limit === undefined ? undefined : Number(query.limit);
    return { conversationId, messages: await this.agents.history(conversationId, { limit }) };
  }

  @Delete(':conversationId')
  @HttpCode(204)
  @ApiOperation({ summary: "Delete one of the caller's conversations (another tenant's or principal's is never touched)" })
  @ApiNoContentResponse({ description: 'Deleted (or there was nothing to delete)' })
  @ApiResponse({ status: 401, description: 'Missing or unknown API key', schema: ERROR_RESPONSE })
  async clear(@Param('conversationId') conversationId: string): Promise<void> {
    await this.agents.clearConversation(conversationId);
  }
}
