import type { ErrorObject, ValidateFunction } from 'ajv';
import { compileUntrustedSchema } from '../output/untrusted-schema.js';
import type { CompiledOutputSchema } from '../output/output-schema.js';
import { argumentSchema } from './mcp-tool-source.js';

/** A listed tool whose argument schema compiled as untrusted input, with its validator. */
export interface AdmittedTool<T> {
  tool: T;
  schema: Record<string, unknown>;
  validate: ValidateFunction;
}

/** The untrusted compiler's answer in the shape the tool executor reads (`errors` of the last call). */
function asValidateFunction(compiled: CompiledOutputSchema): ValidateFunction {
  const validate = ((value: unknown) => {
    const result = compiled.validate(value);
    // describeErrors writes "<path> <message>"; split back so the executor writes it the same way.
    validate.errors = result.ok ? null : result.errors.map((text): ErrorObject => {
      const space = text.indexOf(' ');
      const path = text.slice(0, space);
      return { instancePath: path === '(root)' ? '' : path, schemaPath: '', keyword: '', params: {}, message: text.slice(space + 1) };
    });
    return result.ok;
  }) as ValidateFunction;
  return validate;
}

/**
 * A server's tools whose argument schemas compile as untrusted input: bounded in size, depth and
 * expansion, local references only, patterns on RE2 (a server's `pattern` ran on the JS engine
 * before, at listing and on every call). `$schema` is dropped first: the official SDK writes
 * draft-07 and zod 4 writes 2020-12, and the keywords such tools use validate the same either way.
 * A refused tool is dropped with a process warning (AGENTNEST_MCP_TOOL_SCHEMA_REFUSED).
 */
export function admittedTools<T extends { name: string; inputSchema?: Record<string, unknown> }>(server: string, listed: readonly T[]): Array<AdmittedTool<T>> {
  const admitted: Array<AdmittedTool<T>> = [];
  for (const tool of listed) {
    const schema = argumentSchema(tool.inputSchema);
    try {
      admitted.push({ tool, schema, validate: asValidateFunction(compileUntrustedSchema(schema)) });
    } catch (err) {
      process.emitWarning(`MCP server "${server}": tool "${tool.name}" dropped: its argument schema was refused: ${(err as Error).message}`.slice(0, 500), { code: 'AGENTNEST_MCP_TOOL_SCHEMA_REFUSED' });
    }
  }
  return admitted;
}
