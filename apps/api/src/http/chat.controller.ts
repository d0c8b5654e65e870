import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AgentChat, chatTurn, sendUiMessageStream } from '@agentnest/agent/jobs';
import { requestSignal } from '@agentnest/agent/nest';
import type { Response } from 'express';
import { JsonSchemaPipe } from './json-schema.pipe.js';
import { CHAT_REQUEST, ERROR_RESPONSE } from './schemas.js';

const CHAT_ID = /^[\w-]{1,128}$/;

@ApiTags('chat')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'Missing or unknown API key', schema: ERROR_RESPONSE })
@Controller('v1/agents/:agent/chat')
export class ChatController {
  constructor(private readonly chat: AgentChat) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: "Chat in the AI SDK's UI message stream protocol (DefaultChatTransport / useChat): each turn is a queued run of the conversation named by the chat id" })
  @ApiParam({ name: 'agent', example: 'assistant' })
  @ApiBody({ schema: CHAT_REQUEST })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'UI message stream (x-vercel-ai-ui-message-stream: v1): start, steps, text, tool parts, approval requests, finish with usage, [DONE]' })
  @ApiResponse({ status: 400, description: 'Invalid chat request', schema: ERROR_RESPONSE })
  @ApiResponse({ status: 403, description: 'Responding to your own approval (separation of duties)', schema: ERROR_RESPONSE })
  @ApiResponse({ status: 404, description: 'Unknown agent', schema: ERROR_RESPONSE })
  @ApiResponse({ status: 409, description: 'The chat is still writing a reply, or waits for an answer to a tool call', schema: ERROR_RESPONSE })
  @ApiResponse({ status: 429, description: 'A new message would queue a run past the tenant\'s JOBS_MAX_PER_TENANT (too_many_runs); Retry-After says when to try again', schema: ERROR_RESPONSE })
  async send(@Param('agent') agent: string, @Body(new JsonSchemaPipe(CHAT_REQUEST)) body: unknown, @Res() res: Response): Promise<void> {
    const { chatId, turn } = chatTurn(body);
    // Everything that can be refused is refused before the stream starts (a status code, not an error part).
    const chunks = await this.chat.send(agent, chatId, turn, requestSignal(res));
    await sendUiMessageStream(chunks, res);
  }

  @Get(':chatId/stream')
  @ApiOperation({ summary: 'Reconnect to the chat reply being written (useChat resume): replayed from its start; 204 when none is' })
  @ApiParam({ name: 'agent', example: 'assistant' })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'UI message stream of the active reply' })
  @ApiResponse({ status: 204, description: 'No reply is being written in this chat' })
  async resume(@Param('chatId') chatId: string, @Res() res: Response): Promise<void> {
    const chunks = CHAT_ID.test(chatId) ? await this.chat.resume(chatId, requestSignal(res)) : undefined;
    if (!chunks) {
      res.status(204).end();
      return;
    }
    await sendUiMessageStream(chunks, res);
  }
}
