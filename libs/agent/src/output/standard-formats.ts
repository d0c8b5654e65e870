import type { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: under ESM its plugin is the default export's default, or the default itself.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

/**
 * Registers the standard JSON Schema formats (date-time, email, uri, uuid, ...). Tool schemas from
 * MCP servers use them; without them Ajv ignores each one and prints "unknown format" to the console.
 */
export function withStandardFormats(ajv: Ajv): Ajv {
  return addFormats(ajv);
}
