import { mock, type LLMProvider } from '@agentnest/providers';
import type { AppConfig } from './config/app-config.js';
import { demoRespond } from './demo/demo-responder.js';

/** The one place LLM_PROVIDER picks the provider every agent of the service uses. */
export function createLlmProvider(config: AppConfig): LLMProvider {
  switch (config.llmProvider) {
    case 'mock':
      return mock({ respond: demoRespond });
  }
}
