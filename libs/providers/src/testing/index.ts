export { VendorFake, chunks } from './vendor-fake.js';
export type { FakeAnswer, FakeCut, FakeError, FakeHang, FakeReply, FakeUsage, RecordedRequest } from './vendor-fake.js';
export { AnthropicFake } from './anthropic.fake.js';
export { OpenAIFake } from './openai.fake.js';
