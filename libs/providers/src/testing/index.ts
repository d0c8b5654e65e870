export { VendorFake, chunks, fakeEmbedding } from './vendor-fake.js';
export type { FakeResponse, FakeAnswer, FakeCut, FakeError, FakeHang, FakeReply, FakeUsage, RecordedRequest } from './vendor-fake.js';
export { AnthropicFake } from './anthropic.fake.js';
export { OpenAIFake, OPENAI_FAKE_DIMENSIONS } from './openai.fake.js';
export { BedrockFake } from './bedrock.fake.js';
