import { describeMemoryStoreProperties } from '../testing/describe-memory-store-properties.js';
import { agentCoreFixture } from './agentcore.fixtures.js';

const { fresh } = agentCoreFixture();

// Half the other stores' operations: each goes through the signed HTTP fake (about 1.5 ms), and the suite has five minutes.
describeMemoryStoreProperties('AgentCoreStore', { create: fresh }, { runs: 10, opsPerRun: 500 });
