import type { CompiledOutputSchema } from './output-schema.js';
import { compileUntrustedSchema } from './untrusted-schema.js';

// Compiling an admissible schema from a request takes up to a few tens of milliseconds of the event
// loop (bench:schema), and measuring a refused one a few. Forty at once, compiled where they arrive,
// held /health and every other tenant for all of them together. Here they compile one at a time,
// tenants taking turns, with the event loop given back between two compiles: a flood of schemas
// delays its own requests, while /health and other tenants wait for one compile at most.

/** Each tenant's compiles waiting their turn, tenants in the order they take turns (a Map keeps insertion order). */
const waiting = new Map<string, Array<() => void>>();
let turning = false;

/** Starts the first tenant's next compile, on the next turn of the event loop. */
function nextTurn(): void {
  const first = waiting.entries().next();
  if (first.done) {
    turning = false;
    return;
  }
  const [tenant, queue] = first.value;
  const go = queue.shift()!;
  if (!queue.length) waiting.delete(tenant);
  turning = true;
  // setImmediate, not a microtask: the I/O that arrived meanwhile (a /health probe) is served first.
  setImmediate(go);
}

/**
 * compileUntrustedSchema, in turn: resolves with the compiled schema (cached by text, so the run that
 * follows compiles nothing again) or rejects with its InvalidOutputSchemaError.
 */
export function compileUntrustedSchemaInTurn(schema: unknown, tenant = ''): Promise<CompiledOutputSchema> {
  return new Promise((resolve, reject) => {
    const turn = () => {
      try {
        resolve(compileUntrustedSchema(schema));
      } catch (err) {
        reject(err);
      } finally {
        // The tenant just served goes to the back of the line: the next turn is another tenant's, when one waits.
        const left = waiting.get(tenant);
        if (left) {
          waiting.delete(tenant);
          waiting.set(tenant, left);
        }
        nextTurn();
      }
    };
    const queue = waiting.get(tenant);
    if (queue) queue.push(turn);
    else waiting.set(tenant, [turn]);
    if (!turning) nextTurn();
  });
}
