import { spawn, type ChildProcess } from 'node:child_process';
import { eventually } from './eventually.js';

/** The compiled service in a process of its own, as production runs it. */
export interface ServiceProcess {
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `apps/api/dist/main.js` (with the OpenTelemetry preload when `instrumented`) and waits
 * until it listens or its worker runs; a process that does not start fails with its output.
 */
export async function startServiceProcess(env: Record<string, string>, opts: { instrumented?: boolean } = {}): Promise<ServiceProcess> {
  const args = [...(opts.instrumented ? ['--import', './apps/api/dist/instrumentation.js'] : []), 'apps/api/dist/main.js'];
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => (out += d.toString());
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const stop = () => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGTERM'))));
  await eventually(`the service process (${env.APP_ROLE ?? 'all'}) to start`, async () => (/Listening on|Worker running/.test(out) ? true : undefined), { timeoutMs: 30_000 }).catch(async (err: Error) => {
    await stop();
    throw new Error(`${err.message}\n${out.slice(-2000)}`);
  });
  return { child, output: () => out, stop };
}
