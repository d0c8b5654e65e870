import { Injectable } from '@nestjs/common';
import { AgentTool } from '@agentnest/agent/nest';

/** The demo's refund: a tool that runs only after another user of the tenant approves the exact call. */
@Injectable()
export class RefundTools {
  @AgentTool({
    name: 'refund',
    description: 'Refund an amount in USD to the customer; needs an approval',
    inputSchema: { type: 'object', properties: { amount: { type: 'number', minimum: 0 }, note: { type: 'string', maxLength: 500, description: 'Shown to the customer' } }, required: ['amount'], additionalProperties: false },
    needsApproval: true,
  })
  refund(args: { amount: number; note?: string }): string {
    return `refunded $${args.amount}`;
  }
}
