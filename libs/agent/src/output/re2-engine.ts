import type { CodeOptions } from 'ajv';
import { RE2JS } from 're2js';

type RegExpEngine = NonNullable<CodeOptions['regExp']>;
type Compiled = { test(s: string): boolean };

/**
 * Ajv's regular-expression engine for one compile of an untrusted schema: patterns run on RE2's
 * linear-time engine (`(a+)+$` costs the same as `a+$`; backreferences and lookaround do not
 * compile, which makes the schema invalid). Each distinct pattern is compiled once per compile.
 */
export function re2Engine(): RegExpEngine {
  const compiled = new Map<string, Compiled>();
  const engine = (pattern: string): Compiled => {
    const known = compiled.get(pattern);
    if (known) return known;
    const re = RE2JS.compile(pattern);
    // Ajv shares compiled patterns between keywords by their toString(): it must name the pattern.
    const rx = { test: (s: string) => re.test(s), toString: () => `re2:${JSON.stringify(pattern)}` };
    compiled.set(pattern, rx);
    return rx;
  };
  return Object.assign(engine, { code: 're2' });
}
