import type { LLMRequest, MockAnswer } from '@agentnest/providers';

export const ASK_QUESTION = 'What would you like to tell me?';

/**
 * The deterministic "model" behind the demo assistant: "ask me" pauses for a human, "refund 25"
 * asks to refund 25 (which waits for an approval; "note: ..." after it becomes the refund's note), "time" calls
 * the clock tool, "what did I say" quotes the previous user message from memory, anything else
 * is echoed; asked for JSON (responseFormat) it answers {"answer": ...}. It only reads the
 * request, like a real model would.
 */
export function demoRespond(req: LLMRequest): MockAnswer {
  const answer = respondInText(req);
  // Asked for structured output (responseFormat), the demo answers {"answer": ...}: enough for schemas that accept it.
  return typeof answer === 'string' && req.system?.includes('Reply with only a JSON value') ? JSON.stringify({ answer }) : answer;
}

/**
 * What the demo's multi-agent "models" do with a user message, judged from the tools they are
 * offered: triage transfers (to billing for an invoice, else to the assistant); billing looks up
 * invoices and transfers back what is not about billing; the concierge asks billing ("billing: …")
 * or the assistant (anything else) through their agent tools.
 */
function route(req: LLMRequest, text: string): MockAnswer | undefined {
  const offered = new Set((req.tools ?? []).map((t) => t.name));
  const lower = text.toLowerCase();
  const invoiceNumber = /invoice\D{0,20}(\d{1,6})/i.exec(text)?.[1];
  if (offered.has('transfer_to_billing') && lower.includes('invoice')) return { toolCalls: [{ name: 'transfer_to_billing', args: { reason: 'the message is about an invoice' } }] };
  if (offered.has('transfer_to_assistant')) return { toolCalls: [{ name: 'transfer_to_assistant', args: { reason: 'a general request' } }] };
  if (offered.has('invoice') && invoiceNumber && !/ask me|refund/.test(lower)) return { toolCalls: [{ name: 'invoice', args: { number: Number(invoiceNumber) } }] };
  if (offered.has('transfer_to_triage') && !/invoice|refund|ask me/.test(lower)) return { toolCalls: [{ name: 'transfer_to_triage', args: { reason: 'not a billing question' } }] };
  const forBilling = /^billing:\s*(.+)$/is.exec(text)?.[1];
  if (offered.has('billing') && forBilling) return { toolCalls: [{ name: 'billing', args: { message: forBilling.slice(0, 2000) } }] };
  if (offered.has('assistant')) return { toolCalls: [{ name: 'assistant', args: { message: text.slice(0, 2000) } }] };
  return undefined;
}

function respondInText(req: LLMRequest): MockAnswer {
  const last = req.messages.at(-1);
  if (!last) return 'Hello!';
  if (last.role === 'tool') {
    if (last.content.startsWith('Error:')) return `Sorry, I could not use ${last.name}. ${last.content.slice('Error: '.length)}`;
    if (last.name === 'askHuman') return `You answered: ${last.content}`;
    if (last.name === 'clock') return `The time is ${last.content}.`;
    return `${last.name} said: ${last.content}`;
  }
  const text = last.content;
  const lower = text.toLowerCase();
  const routed = route(req, text);
  if (routed) return routed;
  if (lower.includes('ask me')) return { toolCalls: [{ name: 'askHuman', args: { question: ASK_QUESTION } }] };
  if (lower.includes('refund')) {
    const note = /note:\s*(.+)$/is.exec(text)?.[1].trim();
    return { toolCalls: [{ name: 'refund', args: { amount: Number(/\d+(?:\.\d+)?/.exec(text)?.[0] ?? 10), ...(note ? { note: note.slice(0, 500) } : {}) } }] };
  }
  if (lower.includes('what did i say')) {
    const previous = req.messages.slice(0, -1).filter((m) => m.role === 'user').at(-1);
    return previous ? `You said: ${previous.content}` : 'You have not said anything before in this conversation.';
  }
  if (lower.includes('time')) return { toolCalls: [{ name: 'clock', args: {} }] };
  return `You said: ${text}`;
}
