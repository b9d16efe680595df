import { accessSync, constants, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type LaunchOptions } from 'playwright-core';
import { withFileLock } from './file-lock';

/** Flags that work for a headless Chromium in a container with no outside network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--no-zygote',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--lang=en-US',
];

// Where @sparticuz/chromium unpacks its browser, and our mark that the unpacking finished (a
// process killed mid-unpack leaves a partial binary behind, which the next run replaces).
const unpacked = join(tmpdir(), 'chromium');
const finished = join(tmpdir(), 'varplane-chromium.ok');

/**
 * The Chromium the tests drive: the one named by `VARPLANE_CHROMIUM` when set, else the Chromium
 * that `pnpm install` brought with the npm package `@sparticuz/chromium` (about 67 MB packed),
 * unpacked on first use into the system temp folder (`/tmp/chromium`, about 210 MB) under a
 * machine-wide lock so parallel test workers unpack it once.
 */
export async function chromiumPath(): Promise<string> {
  const chosen = process.env.VARPLANE_CHROMIUM;
  if (chosen) {
    try {
      accessSync(chosen, constants.X_OK);
    } catch {
      throw new Error(`VARPLANE_CHROMIUM=${chosen} is not an executable file`);
    }
    return chosen;
  }
  if (existsSync(finished) && existsSync(unpacked)) return unpacked;
  return withFileLock(join(tmpdir(), 'varplane-chromium.lock'), async () => {
    if (existsSync(finished) && existsSync(unpacked)) return unpacked;
    rmSync(unpacked, { force: true });
    const { default: packaged } = await import('@sparticuz/chromium');
    const path = await packaged.executablePath();
    writeFileSync(finished, path);
    return path;
  });
}

/** Launches the tests' headless Chromium through playwright-core. */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: await chromiumPath(),
    headless: true,
    ...options,
    // Without a locale of its own the packaged build reads `en-US@posix` from a C/POSIX
    // environment and the page's Intl calls throw.
    env: { ...process.env, LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8', ...options.env },
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  });
}
