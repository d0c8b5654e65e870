import { afterAll, beforeAll } from '@jest/globals';
import { describeMemoryStoreProperties } from '../testing/describe-memory-store-properties.js';
import { AgentCoreFake } from '../testing/agentcore.fake.js';
import { AgentCoreStore } from './agentcore.store.js';

const credentials = { accessKeyId: 'AKIDAGENTCORE', secretAccessKey: 'agentcore-secret' };
const fake = new AgentCoreFake('mem-test', credentials.accessKeyId);
const stores: AgentCoreStore[] = [];
beforeAll(() => fake.start());
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await fake.close();
});

function fresh(): AgentCoreStore {
  fake.memories.set('mem-test', []);
  const store = new AgentCoreStore({ memoryId: 'mem-test', region: 'us-east-1', endpoint: fake.origin, credentials });
  stores.push(store);
  return store;
}

// Half the other stores' operations: each goes through the signed HTTP fake (about 1.5 ms), and the suite has five minutes.
describeMemoryStoreProperties('AgentCoreStore', { create: fresh }, { runs: 10, opsPerRun: 500 });
