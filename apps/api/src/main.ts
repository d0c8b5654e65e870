import { Logger } from '@nestjs/common';
import { ConfigError } from './config/config.error.js';
import { createApp } from './create-app.js';

try {
  const { app, config } = await createApp(process.env);
  await app.listen(config.port);
  const { primary, fallback } = config.llm;
  const providers = fallback ? `${primary.kind}, falling back to ${fallback.kind}` : primary.kind;
  new Logger('AgentNest').log(`Listening on http://localhost:${config.port} (provider ${providers}, docs at /docs)`);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  // A configuration mistake is one readable line, not a stack trace.
  console.error(`Configuration error: ${err.message}`);
  process.exit(1);
}
