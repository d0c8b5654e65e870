import { Injectable } from '@nestjs/common';
import { AgentTool } from '@agentnest/agent/nest';

/** An ordinary service of the app; its clock is an agent tool. */
@Injectable()
export class ClockService {
  readonly zone = 'UTC';

  @AgentTool({ description: 'The current time', inputSchema: { type: 'object', properties: {} } })
  clock(): string {
    return `12:00 ${this.zone}`;
  }
}
