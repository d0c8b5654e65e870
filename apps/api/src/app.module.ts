import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { AgentModule } from '@agentnest/agent';
import { ApiKeyGuard } from './auth/api-key.guard.js';
import type { AppConfig } from './config/app-config.js';
import { ClockTools } from './demo/clock.tools.js';
import { demoAgents } from './demo/demo-agents.js';
import { AgentsController } from './http/agents.controller.js';
import { ApiExceptionFilter } from './http/api-exception.filter.js';
import { ConversationsController } from './http/conversations.controller.js';
import { HealthController } from './http/health.controller.js';
import { createLlmProvider } from './llm-provider.factory.js';
import { RedisConnection } from './redis/redis-connection.js';
import { RedisModule } from './redis/redis.module.js';

@Module({ providers: [ClockTools], exports: [ClockTools] })
class DemoToolsModule {}

/** The reference service, built from an already validated config (see loadAppConfig). */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // Validated once by loadAppConfig; everything reads it back through ConfigService.
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ app: config })] }),
        TerminusModule,
        DemoToolsModule,
        RedisModule,
        AgentModule.forRootAsync({
          imports: [RedisModule],
          inject: [ConfigService, RedisConnection],
          useFactory: (cs: ConfigService, redis: RedisConnection) => {
            const app = cs.getOrThrow<AppConfig>('app');
            return { agents: demoAgents(createLlmProvider(app, redis.client), app.llm.primary.model), requireTenant: true, checkpointSecret: app.checkpointSecret };
          },
        }),
      ],
      controllers: [AgentsController, ConversationsController, HealthController],
      providers: [
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
      ],
    };
  }
}
