import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER } from '@nestjs/core';
import { AgentExceptionFilter, AgentModule } from '@agentnest/agent/nest';
import { AgentJobsModule } from '@agentnest/agent/jobs';
import type { MemoryStore } from '@agentnest/memory';
import { MEMORY_STORE, MemoryModule } from '@agentnest/memory/nest';
import { mock } from '@agentnest/providers';
import { BillingModule } from './billing.module.js';
import { ClockService } from './clock.service.js';
import { IdentityMiddleware } from './identity.middleware.js';
import { RunsController } from './runs.controller.js';

/** A user's app: its own config, auth, tool service and controller, with AgentNest's modules. */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true }),
    MemoryModule.forRootAsync({
      isGlobal: true,
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({ type: 'redis' as const, redis: config.getOrThrow<string>('REDIS_URL'), prefix: `${config.getOrThrow<string>('KEY_PREFIX')}mem:` }),
    }),
    AgentModule.forRootAsync({
      inject: [ConfigService, MEMORY_STORE],
      useFactory: (config: ConfigService, memory: MemoryStore) => ({
        // For agents that name none, as the billing feature's.
        provider: mock({ respond: (req) => `billing says: ${req.messages.at(-1)!.content}` }),
        model: 'demo',
        agents: {
          assistant: {
            // A scripted model: asks for the clock, then answers with what it said.
            provider: mock({ respond: (req) => (req.messages.at(-1)?.role === 'tool' ? `The time is ${req.messages.at(-1)!.content}` : { toolCalls: [{ name: 'clock', args: {} }] }) }),
            model: 'demo',
            tools: ['clock'],
          },
          // One scripted reply for the whole process: the second run finds the script spent.
          scripted: { provider: mock({ replies: ['only once'] }), model: 'demo' },
        },
        memory,
        requireTenant: true,
        checkpointSecret: config.getOrThrow<string>('CHECKPOINT_SECRET'),
      }),
    }),
    AgentJobsModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({ connection: config.getOrThrow<string>('REDIS_URL'), prefix: config.getOrThrow<string>('KEY_PREFIX') }),
    }),
    BillingModule,
  ],
  controllers: [RunsController],
  providers: [ClockService, { provide: APP_FILTER, useClass: AgentExceptionFilter }],
})
export class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(IdentityMiddleware).forRoutes('{*path}');
  }
}
