import { OutputInvalidError } from '../errors/agent.errors.js';
import type { OutputOptions, OutputTier } from './output-options.js';
import { parseJsonReply, type CompiledOutputSchema } from './output-schema.js';

export function outputInstruction(schema: CompiledOutputSchema): string {
  return `Reply with only a JSON value that matches this JSON Schema, with no other text:\n${schema.text}`;
}

export function repairRequest(errors: string[]): string {
  return `Your reply did not match the required JSON Schema: ${errors.join('; ')}. Reply again with only the corrected JSON.`;
}

/** Validates a model reply: parsed JSON that the schema accepts. */
export function checkReply(schema: CompiledOutputSchema, text: string): { ok: true; value: unknown } | { ok: false; errors: string[] } {
  const parsed = parseJsonReply(text);
  return parsed.ok ? schema.validate(parsed.value) : parsed;
}

/**
 * The tiers after the model and its repair round: the user's fallback, then the canned value.
 * Each failure is reported through `onFailure`; throws OutputInvalidError when none serves.
 */
export async function lastTiers(schema: CompiledOutputSchema, options: OutputOptions | undefined, error: OutputInvalidError, onFailure: (tier: OutputTier, errors: string[]) => void): Promise<{ value: unknown; tier: OutputTier }> {
  if (options?.fallback) {
    try {
      const checked = schema.validate(await options.fallback(error, error.raw));
      if (checked.ok) return { value: checked.value, tier: 'fallback' };
      onFailure('fallback', checked.errors);
    } catch (err) {
      onFailure('fallback', [`fallback threw: ${err instanceof Error ? err.message : String(err)}`]);
    }
  }
  if (options && 'canned' in options && options.canned !== undefined) {
    const checked = schema.validate(options.canned);
    if (checked.ok) return { value: checked.value, tier: 'canned' };
    onFailure('canned', checked.errors);
  }
  throw error;
}
