import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { RedisModule } from '../redis/redis.module.js';
import { createLlm } from './llm.factory.js';

/** Injection token of the service's `Llm`: the agents' provider and its circuits, built once. */
export const LLM = Symbol('LLM');

@Module({
  imports: [RedisModule],
  providers: [{ provide: LLM, inject: [ConfigService, RedisConnection], useFactory: (cs: ConfigService, redis: RedisConnection) => createLlm(cs.getOrThrow<AppConfig>('app'), redis.client) }],
  exports: [LLM],
})
export class LlmModule {}
