import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AgentService } from '@agentnest/agent/nest';
import { type UsageRow } from '@agentnest/agent';
import { HttpError } from '@agentnest/agent/nest';
import { JsonSchemaPipe } from './json-schema.pipe.js';
import { ERROR_RESPONSE, USAGE_QUERY, USAGE_RESPONSE } from './schemas.js';

const DAY_MS = 86_400_000;

@ApiTags('usage')
@ApiBearerAuth()
@Controller('v1/usage')
export class UsageController {
  constructor(private readonly agents: AgentService) {}

  @Get()
  @ApiOperation({ summary: "The caller's tenant's tokens and cost by day, agent and model" })
  @ApiQuery({ name: 'from', required: false, schema: USAGE_QUERY.properties.from })
  @ApiQuery({ name: 'to', required: false, schema: USAGE_QUERY.properties.to })
  @ApiOkResponse({ schema: USAGE_RESPONSE })
  @ApiResponse({ status: 400, description: 'Bad dates or range', schema: ERROR_RESPONSE })
  @ApiResponse({ status: 401, description: 'Missing or unknown API key', schema: ERROR_RESPONSE })
  async usage(@Query(new JsonSchemaPipe(USAGE_QUERY, 'query')) query: { from?: string; to?: string }) {
    for (const day of [query.from, query.to]) if (day !== undefined && !isRealDay(day)) throw new HttpError(400, 'invalid_query', `${day} is not a calendar day`);
    const today = new Date().toISOString().slice(0, 10);
    const to = query.to ?? today;
    const from = query.from ?? `${to.slice(0, 7)}-01`;
    const span = Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`);
    if (!Number.isFinite(span) || span < 0 || span > 365 * DAY_MS) throw new HttpError(400, 'invalid_range', 'from must be a real day on or before to, at most 366 days apart');
    const rows = await this.agents.usage({ from, to });
    return { from, to, rows, totals: totals(rows) };
  }
}

/** The pattern admits 2026-02-31; a real day survives a round trip through Date. */
function isRealDay(day: string): boolean {
  const ms = Date.parse(`${day}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === day;
}

function totals(rows: UsageRow[]) {
  const sum = { calls: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0, unsettledCalls: 0, estimatedCalls: 0 };
  for (const r of rows) for (const k of Object.keys(sum) as Array<keyof typeof sum>) sum[k] += r[k];
  sum.costUsd = Math.round(sum.costUsd * 1e6) / 1e6;
  return sum;
}
