import { Injectable } from '@nestjs/common';
import { AgentTool } from '@agentnest/agent/nest';

/** The demo's clock, as a Nest provider so it shows how tools reach injected services. */
@Injectable()
export class ClockTools {
  @AgentTool({
    name: 'clock',
    description: 'The current date and time in UTC, ISO 8601',
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
  })
  now(): string {
    return new Date().toISOString();
  }
}
