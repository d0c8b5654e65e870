import { pass, rewrite, type Guardrail } from './guardrail.js';
import { fenceAsData } from './data-fence.js';
import { readsAsInstructions as suspicious } from './instruction-like.js';

/** How toolResultGuard treats a result that reads as instructions. */
export interface ToolResultGuardOptions {
  /** `mark`: fence the whole result as data and say why; `strip`: remove the lines that look like instructions; @default 'mark' */
  mode?: 'mark' | 'strip';
  /** Names it in events; @default 'tool-injection' */
  name?: string;
}

/**
 * A tool guardrail against instructions smuggled into tool and MCP results (prompt injection):
 * a result that addresses the model is fenced as data (`mark`) or loses those lines (`strip`)
 * before the model reads it. Clean results pass untouched.
 */
export function toolResultGuard(options: ToolResultGuardOptions = {}): Guardrail {
  const mode = options.mode ?? 'mark';
  return {
    name: options.name ?? 'tool-injection',
    check: ({ text, tool }) => {
      if (!suspicious(text)) return pass();
      const fence = (body: string, why: string) => rewrite(fenceAsData(`The result of ${tool ?? 'the tool'}`, body, 'It contains text that reads like instructions'), why);
      if (mode === 'strip') {
        const lines = text.split('\n');
        const kept = lines.filter((l) => !suspicious(l));
        const removed = lines.length - kept.length;
        const stripped = [...kept, `[${removed || 'some'} line(s) removed from this result: they read as instructions, not data]`].join('\n');
        // A phrase spread over lines no single line shows: what is left is fenced instead.
        return suspicious(kept.join('\n')) ? fence(stripped, `removed ${removed} instruction-like line(s), and marked the rest as data`) : rewrite(stripped, `removed ${removed} instruction-like line(s)`);
      }
      return fence(text, 'marked instruction-like text as data');
    },
  };
}
