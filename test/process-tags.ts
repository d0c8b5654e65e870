import { readdirSync, readFileSync } from 'node:fs';

/** Processes whose command line carries `--tag=<tag>` (Linux /proc), to see a stdio server start and stop. */
export function processesTagged(tag: string): number {
  let n = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`--tag=${tag}`)) n++;
    } catch {
      // the process ended while we looked
    }
  }
  return n;
}
