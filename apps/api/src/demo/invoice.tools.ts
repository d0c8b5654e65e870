import { Injectable } from '@nestjs/common';
import { AgentTool } from '@agentnest/agent/nest';

/** The demo's invoice lookup: made-up but stable invoices, so answers are the same on every run. */
@Injectable()
export class InvoiceTools {
  @AgentTool({
    name: 'invoice',
    description: 'Look up an invoice by its number: amount and whether it is paid',
    inputSchema: { type: 'object', properties: { number: { type: 'integer', minimum: 1, maximum: 999_999 } }, required: ['number'], additionalProperties: false },
  })
  invoice(args: { number: number }): string {
    const amount = 20 + ((args.number * 37) % 480);
    return `invoice ${args.number}: $${amount}.00, ${args.number % 2 ? 'open' : 'paid'}`;
  }
}
