import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cosineSimilarity } from './embedder.js';
import { mockEmbedder } from './mock.embedder.js';
import { openaiEmbedder } from './openai.embedder.js';
import { bedrockEmbedder } from './bedrock.embedder.js';
import { OpenAIFake } from '../testing/openai.fake.js';
import { BedrockFake } from '../testing/bedrock.fake.js';
import { fakeEmbedding } from '../testing/vendor-fake.js';
import { ProviderError } from '../provider.errors.js';

const expectVector = (actual: number[], expected: number[]) => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((x, i) => expect(x).toBeCloseTo(expected[i], 5));
};

describe('mockEmbedder', () => {
  it('is deterministic, normalised, and puts similar texts closer than unrelated ones', async () => {
    const e = mockEmbedder({ dimensions: 128 });
    const [a, b, c] = await e.embedBatch(['My favourite colour is green', 'my favorite colour is green!', 'Quarterly revenue grew by ten percent']);
    expect(a).toEqual(await e.embed('My favourite colour is green'));
    expect(a).toHaveLength(128);
    expect(Math.hypot(...a)).toBeCloseTo(1, 10);
    expect(cosineSimilarity(a, b)).toBeGreaterThan(0.7);
    expect(cosineSimilarity(a, c)).toBeLessThan(0.3);
  });

  it('refuses to compare vectors of different lengths, like the memory stores', () => {
    expect(() => cosineSimilarity([1, 0], [1, 0, 0])).toThrow(expect.objectContaining({ code: 'invalid_vector' }));
  });
});

describe('openaiEmbedder over the wire', () => {
  const KEY = 'sk-openai-embed-0123456789';
  const fake = new OpenAIFake(KEY);
  beforeAll(() => fake.start());
  afterAll(() => fake.close());

  it('embeds a batch in order, with the requested dimensions', async () => {
    const e = openaiEmbedder({ apiKey: KEY, baseURL: `${fake.origin}/v1`, model: 'text-embedding-3-small', dimensions: 16 });
    expect(e.dimensions).toBe(16);
    const vectors = await e.embedBatch(['alpha', 'beta', 'gamma']);
    ['alpha', 'beta', 'gamma'].forEach((t, i) => expectVector(vectors[i], fakeEmbedding(t, 16)));
    expect(fake.bodies('/v1/embeddings').at(-1)).toMatchObject({ model: 'text-embedding-3-small', input: ['alpha', 'beta', 'gamma'], dimensions: 16 });
    expectVector(await e.embed('delta'), fakeEmbedding('delta', 16));
  });

  it('normalises errors and knows default sizes', async () => {
    fake.enqueue({ kind: 'error', status: 429, message: 'slow', retryAfter: '1' });
    const e = openaiEmbedder({ apiKey: KEY, baseURL: `${fake.origin}/v1` });
    expect(e.dimensions).toBe(1536);
    await expect(e.embed('x')).rejects.toMatchObject({ code: 'rate_limited', retryAfterMs: 1000 });
    expect(() => openaiEmbedder({ apiKey: KEY, model: 'custom-model' })).toThrow(/dimensions/);
  });

  it('refuses vectors of another length than declared (a server that ignores the dimensions asked for)', async () => {
    // Declared 1536 (the model's default); this server answers with its own default length.
    const e = openaiEmbedder({ apiKey: KEY, baseURL: `${fake.origin}/v1`, model: 'text-embedding-3-small' });
    await expect(e.embed('x')).rejects.toMatchObject({ code: 'bad_response', message: expect.stringContaining('expected 1536') });
  });
});

describe('bedrockEmbedder (Titan) over the wire', () => {
  const credentials = { accessKeyId: 'AKIDEMBEDTEST', secretAccessKey: 'embed-secret-0123456789' };
  const fake = new BedrockFake(credentials.accessKeyId);
  beforeAll(() => fake.start());
  afterAll(() => fake.close());

  it('embeds each text with InvokeModel, in order', async () => {
    const e = bedrockEmbedder({ region: 'eu-west-1', credentials, endpoint: fake.origin, dimensions: 256 });
    const texts = ['one', 'two', 'three', 'four', 'five', 'six'];
    const vectors = await e.embedBatch(texts);
    texts.forEach((t, i) => expectVector(vectors[i], fakeEmbedding(t, 256)));
    const sent = fake.requests.at(-1)!;
    expect(sent.path).toBe('/model/amazon.titan-embed-text-v2%3A0/invoke');
    expect(sent.body).toMatchObject({ dimensions: 256, normalize: true });
  });

  it('normalises errors without leaking the secret key', async () => {
    fake.enqueue({ kind: 'error', status: 400, message: `bad signature for ${credentials.secretAccessKey}` });
    const err = (await bedrockEmbedder({ region: 'eu-west-1', credentials, endpoint: fake.origin }).embed('x').catch((e: unknown) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.code).toBe('bad_request');
    expect(err.message).not.toContain(credentials.secretAccessKey);
  });
});
