/** A vendor conversation turn: a role and its content blocks. */
export interface VendorTurn<B> {
  role: 'user' | 'assistant';
  content: B[];
}

/**
 * Appends blocks as a turn, merging into the previous turn when the role repeats: Anthropic and
 * Bedrock want strictly alternating roles, and tool results travel in user turns.
 */
export function pushTurn<B>(turns: VendorTurn<B>[], role: VendorTurn<B>['role'], blocks: B[]): void {
  if (!blocks.length) return;
  const last = turns.at(-1);
  if (last?.role === role) last.content.push(...blocks);
  else turns.push({ role, content: blocks });
}

/** Tool arguments as the model wrote them; unparseable JSON is kept whole so the tool's schema check reports it. */
export function parseToolArgs(raw: string): Record<string, unknown> {
  try {
    const v = raw ? JSON.parse(raw) : {};
    return v && typeof v === 'object' && !Array.isArray(v) ? v : { _arguments: raw };
  } catch {
    return { _arguments: raw };
  }
}
