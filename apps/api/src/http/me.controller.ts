import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { TenantContext } from '@agentnest/agent';
import { ERROR_RESPONSE } from './schemas.js';

@ApiTags('identity')
@ApiBearerAuth()
@Controller('v1/me')
export class MeController {
  constructor(private readonly tenant: TenantContext) {}

  @Get()
  @ApiOperation({ summary: 'Who the API key acts as: tenant, principal and roles (the console shows it)' })
  @ApiOkResponse({ schema: { type: 'object', required: ['tenant', 'principal', 'roles'], properties: { tenant: { type: 'string' }, principal: { type: 'string' }, roles: { type: 'array', items: { type: 'string' } } } } })
  @ApiResponse({ status: 401, description: 'Missing or unknown API key', schema: ERROR_RESPONSE })
  me() {
    const caller = this.tenant.get() ?? {};
    return { tenant: caller.tenant, principal: caller.principal, roles: [...(caller.roles ?? [])] };
  }
}
