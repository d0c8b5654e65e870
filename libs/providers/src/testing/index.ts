export { VendorFake, chunks } from './vendor-fake.js';
export type { FakeResponse, FakeAnswer, FakeCut, FakeError, FakeHang, FakeReply, FakeUsage, RecordedRequest } from './vendor-fake.js';
export { AnthropicFake } from './anthropic.fake.js';
export { OpenAIFake } from './openai.fake.js';
export { BedrockFake } from './bedrock.fake.js';
