import { defuse, fenceAsData } from '../guardrails/data-fence.js';
import { readsAsInstructions } from '../guardrails/instruction-like.js';
import { PiiRedactor } from '../guardrails/pii-redaction.js';
import { namespaced } from './mcp-tool-source.js';

/** The longest tool description a server's tool keeps: it is sent with every model call of every tenant. */
export const MAX_MCP_DESCRIPTION = 1_000;

// Every kind, no restoring: a description is nobody's to get back, and it goes to every tenant.
const redactor = new PiiRedactor();

/**
 * A tool's description as the model gets it. A server we do not control writes it, and the model
 * reads it on every call of every tenant, so it is treated as a tool result is: control and invisible
 * characters out (line breaks and tabs kept), at most MAX_MCP_DESCRIPTION characters (a server sent
 * two million), personal data replaced by placeholders, angle brackets defused (no marker of ours can
 * be forged in it), and text that reads like instructions fenced as data with a boundary drawn at
 * listing time. The tool is named by its model-facing name (64 characters of a safe alphabet), never
 * by the server's own, which is as long and as strange as the server likes.
 */
export function toolDescription(server: string, tool: { name: string; description?: unknown }): string {
  const name = namespaced(server, typeof tool.name === 'string' ? tool.name : '');
  const text = typeof tool.description === 'string' ? tool.description.replace(/[^\P{C}\n\t]/gu, '').trim() : '';
  if (!text) return `The ${name} tool`;
  const capped = text.length > MAX_MCP_DESCRIPTION ? `${text.slice(0, MAX_MCP_DESCRIPTION - 1)}…` : text;
  const redacted = redactor.redact(capped).text;
  return readsAsInstructions(redacted) ? fenceAsData(`The description of ${name}`, redacted, 'It contains text that reads like instructions') : defuse(redacted);
}
