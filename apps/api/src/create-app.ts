import 'reflect-metadata';
import type { NextFunction, Request, Response } from 'express';
import { Logger, type INestApplication, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module.js';
import { loadAppConfig, type AppConfig } from './config/app-config.js';
import { DEV_API_KEYS } from './config/api-keys.js';
import { jsonBody } from './http/json-body.middleware.js';
import { securityHeaders } from './http/security-headers.middleware.js';
import { createLogger, PinoNestLogger } from './logging/logging.js';
import { requestLog } from './logging/request-log.middleware.js';

export interface CreatedApp {
  app: INestApplication;
  config: AppConfig;
}

/** A worker-only process (APP_ROLE=worker): the same modules, no HTTP server. `config` is `env`'s, when the caller has loaded it already. */
export async function createWorker(env: Record<string, string | undefined>, logs = true, config = loadAppConfig(env)): Promise<{ app: INestApplicationContext; config: AppConfig }> {
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: logs ? new PinoNestLogger(createLogger(config.logLevel)) : false, abortOnError: false });
  return { app, config };
}

/** Builds the configured service (not yet listening). Throws ConfigError before anything starts. `config` is `env`'s, when the caller has loaded it already. */
export async function createApp(env: Record<string, string | undefined>, logs = true, config = loadAppConfig(env)): Promise<CreatedApp> {
  // abortOnError false: a failure during boot is thrown to the caller (main prints it) instead of exiting the process.
  const logger = logs ? createLogger(config.logLevel) : undefined;
  const app = await NestFactory.create(AppModule.forRoot(config), { bodyParser: false, logger: logger ? new PinoNestLogger(logger) : false, abortOnError: false });
  if (logger && logger.isLevelEnabled('error')) app.use(requestLog(logger));
  // No ETag (a hash of every JSON answer, and nothing here is cached by it) and no framework banner.
  app.getHttpAdapter().getInstance().set('etag', false).disable('x-powered-by');
  app.use(securityHeaders);
  app.use((req: Request, res: Response, next: NextFunction) => jsonBody(req, res, next, config.bodyTimeoutMs));

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('AgentNest reference API')
      .setDescription('Run agents, answer paused runs, read conversation history. Every call but /health needs an Authorization header: Bearer, then your API key.')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });

  const log = new Logger('AgentNest');
  if (config.devKey) {
    const keys = DEV_API_KEYS.map(([key, o]) => `${key} (${o.tenant}/${o.principal}${o.roles ? `, roles ${o.roles.join('+')}` : ''})`).join(' and ');
    log.warn(`No API_KEYS set: accepting the development keys ${keys} (never in production)`);
  }
  if (config.checkpointSecretGenerated) log.warn('No CHECKPOINT_SECRET set: paused runs can only be resumed by this process');
  return { app, config };
}
