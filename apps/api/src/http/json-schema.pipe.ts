import { Injectable, type PipeTransform } from '@nestjs/common';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { HttpError } from '@agentnest/agent/nest';

// Two compilers: the first problem is found in one pass that stops early; listing every problem
// (allErrors) costs an error object per problem, which a body of 60,000 unknown fields turns into
// hundreds of milliseconds and megabytes, so it runs only on small values.
const firstOnly = new Ajv({ allErrors: false, strict: false, coerceTypes: false });
const every = new Ajv({ allErrors: true, strict: false, coerceTypes: false });

/** @default 2,000 values: at most this many are walked to decide whether every problem may be listed */
const SMALL = 2_000;
/** @default 10 problems named in one error message */
const MAX_PROBLEMS = 10;
/** @default 64 characters of a field name quoted back */
const MAX_NAME = 64;

function describe(e: ErrorObject, where: string): string {
  const path = `${where}${e.instancePath.replace(/\//g, '.')}`.slice(0, MAX_NAME * 2);
  if (e.keyword === 'additionalProperties') {
    const name = String(e.params.additionalProperty);
    return `${path} has unknown field ${JSON.stringify(name.length > MAX_NAME ? `${name.slice(0, MAX_NAME)}…` : name)}`;
  }
  return `${path} ${e.message ?? 'is invalid'}`;
}

/** True when `value` holds fewer than SMALL values; stops counting there, so the walk itself is bounded. */
function isSmall(value: unknown): boolean {
  const stack = [value];
  let seen = 0;
  while (stack.length) {
    const v = stack.pop();
    if (++seen >= SMALL) return false;
    if (v !== null && typeof v === 'object') for (const child of Object.values(v)) stack.push(child);
  }
  return true;
}

/** Validates a body or query against a JSON Schema (the same one Swagger documents); 400 with the reasons otherwise. */
@Injectable()
export class JsonSchemaPipe implements PipeTransform {
  private readonly check: ValidateFunction;
  private readonly explain: ValidateFunction;

  constructor(
    schema: Record<string, unknown>,
    private readonly where: 'body' | 'query' = 'body',
  ) {
    this.check = firstOnly.compile(schema);
    this.explain = every.compile(schema);
  }

  transform(value: unknown): unknown {
    if (this.check(value)) return value;
    const small = isSmall(value);
    const all = small && !this.explain(value) ? (this.explain.errors ?? []) : (this.check.errors ?? []);
    const reasons = all.slice(0, MAX_PROBLEMS).map((e) => describe(e, this.where));
    const more = all.length > MAX_PROBLEMS ? `; and ${all.length - MAX_PROBLEMS} more` : small ? '' : ' (the first problem found in a large value)';
    throw new HttpError(400, this.where === 'body' ? 'invalid_body' : 'invalid_query', `${reasons.join('; ')}${more}`);
  }
}
