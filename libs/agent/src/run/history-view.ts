import type { LLMMessage } from '@agentnest/providers';

/** @default 1,000 characters of one tool result quoted as text */
const MAX_RESULT_TEXT = 1000;

const clip = (text: string) => (text.length > MAX_RESULT_TEXT ? `${text.slice(0, MAX_RESULT_TEXT)}…` : text);

/** "lookup({"id":1}) → result" lines for tool calls and their results. */
export function describeToolWork(messages: LLMMessage[]): string[] {
  const lines: string[] = [];
  messages.forEach((m, i) => {
    if (m.role !== 'assistant') return;
    // An assistant message's results are the tool messages right after it (ids are only unique within one model's turn).
    const results = new Map<string, string>();
    for (let j = i + 1; messages[j]?.role === 'tool'; j++) {
      const r = messages[j];
      if (r.role === 'tool') results.set(r.toolCallId, r.content);
    }
    for (const c of m.toolCalls ?? []) lines.push(`${c.name}(${JSON.stringify(c.args)}) → ${clip(results.get(c.id) ?? '(no result)')}`);
  });
  return lines;
}

/**
 * History as one agent may send it: tool calls to tools it does not have (another agent's, from
 * before a handoff) become text in the assistant's message, with their results, since vendors
 * refuse tool history for tools a request does not declare. Adjacent assistant messages that this
 * leaves are merged, so roles still alternate.
 */
export function historyFor(messages: LLMMessage[], declared: ReadonlySet<string>): LLMMessage[] {
  const foreign = (m: LLMMessage) => m.role === 'assistant' && (m.toolCalls ?? []).some((c) => !declared.has(c.name));
  if (!messages.some(foreign)) return messages;
  const out: LLMMessage[] = [];
  for (let i = 0; i < messages.length; i++) {
    let next = messages[i];
    if (foreign(next)) {
      // Its results are the tool messages right after it (ids are only unique within one model's turn).
      let end = i + 1;
      while (messages[end]?.role === 'tool') end++;
      const work = describeToolWork(messages.slice(i, end));
      next = { role: 'assistant', content: [next.content, ...work.map((w) => `[${w}]`)].filter(Boolean).join('\n') };
      i = end - 1;
    }
    const prev = out.at(-1);
    if (prev?.role === 'assistant' && next.role === 'assistant' && !prev.toolCalls?.length) out[out.length - 1] = { ...next, content: [prev.content, next.content].filter(Boolean).join('\n\n') };
    else out.push(next);
  }
  return out;
}
