// The browser the console suite drives: Debian's chromium (nothing is downloaded at install), or
// CHROMIUM_PATH. Installed with apt when missing and running as root, like redis-server and PostgreSQL.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function findChromium() {
  const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (existsSync(path)) return path;
  if (process.getuid?.() !== 0 || process.env.CHROMIUM_PATH) throw new Error(`Chromium is required for the console tests: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH (looked at ${path})`);
  console.error('Chromium not found: installing Debian package chromium');
  execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null'], { stdio: 'inherit' });
  if (!existsSync(path)) throw new Error('apt-get install chromium did not provide /usr/bin/chromium');
  return path;
}
