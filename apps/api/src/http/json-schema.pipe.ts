import { Injectable, type PipeTransform } from '@nestjs/common';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { HttpError } from '@agentnest/agent/nest';

const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false });

function describe(e: ErrorObject, where: string): string {
  const path = `${where}${e.instancePath.replace(/\//g, '.')}`;
  if (e.keyword === 'additionalProperties') return `${path} has unknown field "${String(e.params.additionalProperty)}"`;
  return `${path} ${e.message ?? 'is invalid'}`;
}

/** Validates a body or query against a JSON Schema (the same one Swagger documents); 400 with the reasons otherwise. */
@Injectable()
export class JsonSchemaPipe implements PipeTransform {
  private readonly validate: ValidateFunction;

  constructor(
    schema: Record<string, unknown>,
    private readonly where: 'body' | 'query' = 'body',
  ) {
    this.validate = ajv.compile(schema);
  }

  transform(value: unknown): unknown {
    if (this.validate(value)) return value;
    const reasons = (this.validate.errors ?? []).map((e) => describe(e, this.where));
    throw new HttpError(400, this.where === 'body' ? 'invalid_body' : 'invalid_query', reasons.join('; '));
  }
}
