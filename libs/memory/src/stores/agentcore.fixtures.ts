import { afterAll, beforeAll } from '@jest/globals';
import { AgentCoreFake } from '../testing/agentcore.fake.js';
import { AgentCoreStore } from './agentcore.store.js';

// What the AgentCore specs share (not shipped: *.fixtures.ts stays out of the build): a signed HTTP
// fake of the service for the file, and fresh stores on it that are closed after the file.

const credentials = { accessKeyId: 'AKIDAGENTCORE', secretAccessKey: 'agentcore-secret' };

export function agentCoreFixture(): { fake: AgentCoreFake; fresh: () => AgentCoreStore } {
  const fake = new AgentCoreFake('mem-test', credentials.accessKeyId);
  const stores: AgentCoreStore[] = [];
  beforeAll(() => fake.start());
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await fake.close();
  });
  const fresh = (): AgentCoreStore => {
    fake.memories.set('mem-test', []);
    const store = new AgentCoreStore({ memoryId: 'mem-test', region: 'us-east-1', endpoint: fake.origin, credentials });
    stores.push(store);
    return store;
  };
  return { fake, fresh };
}
