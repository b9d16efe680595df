import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { withFileLock } from './file-lock';

export interface SystemBinary {
  /** The command to find, such as `nats-server`. */
  command: string;
  /** The Debian package that provides it, such as `nats-server`. */
  debianPackage: string;
}

export interface EnsureBinaryOptions {
  /**
   * Install the package through apt when the command is missing. Default: when this process can
   * (root, or passwordless sudo) and `VARPLANE_NO_AUTO_INSTALL` is not set.
   */
  install?: boolean;
}

/** Raised when a server a test needs is missing and cannot be installed here. */
export class MissingBinaryError extends Error {
  override readonly name = 'MissingBinaryError';
  constructor(
    readonly binary: SystemBinary,
    detail: string,
  ) {
    super(
      `${binary.command} is not installed and ${detail}. Install Debian's ${binary.debianPackage} ` +
        `package: sudo apt-get install -y ${binary.debianPackage}`,
    );
  }
}

const searchPath = () => [
  ...(process.env.PATH ?? '').split(delimiter).filter(Boolean),
  '/usr/sbin',
  '/usr/bin',
  '/sbin',
];

/** The absolute path of `command` on PATH (or the system folders), or undefined. */
export function findBinary(command: string): string | undefined {
  for (const dir of searchPath()) {
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/**
 * The path of a server binary the tests need. When it is missing, installs its Debian package
 * (once per machine, under a lock) if this process may, and otherwise throws a
 * {@link MissingBinaryError} that names the package and the command to install it.
 */
export async function ensureBinary(
  binary: SystemBinary,
  options: EnsureBinaryOptions = {},
): Promise<string> {
  const found = findBinary(binary.command);
  if (found) return found;
  const elevate = privilege();
  const install =
    options.install ?? (elevate !== undefined && !process.env.VARPLANE_NO_AUTO_INSTALL);
  if (!install) {
    throw new MissingBinaryError(
      binary,
      elevate === undefined
        ? 'this user cannot install packages (not root, no passwordless sudo)'
        : 'automatic installation is off (VARPLANE_NO_AUTO_INSTALL)',
    );
  }
  if (!findBinary('apt-get')) throw new MissingBinaryError(binary, 'this machine has no apt-get');
  return withFileLock(join(tmpdir(), 'varplane-apt.lock'), async () => {
    const again = findBinary(binary.command);
    if (again) return again;
    const prefix = elevate === 'sudo' ? ['sudo', '-n'] : [];
    const run = (args: string[]) => {
      const [file, ...rest] = [...prefix, ...args] as [string, ...string[]];
      const result = spawnSync(file, rest, {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        encoding: 'utf8',
        timeout: 10 * 60_000,
      });
      return result.status === 0
        ? undefined
        : (result.stderr || result.error?.message || '').trim();
    };
    // A fresh machine's package lists may be empty or stale: update first.
    run(['apt-get', 'update', '-qq']);
    const failure = run([
      'apt-get',
      'install',
      '-y',
      '-qq',
      '--no-install-recommends',
      binary.debianPackage,
    ]);
    const installed = findBinary(binary.command);
    if (installed) return installed;
    throw new MissingBinaryError(
      binary,
      `installing it failed${failure ? ` (${failure.split('\n').at(-1)})` : ''}`,
    );
  });
}

function privilege(): 'root' | 'sudo' | undefined {
  if (process.getuid?.() === 0) return 'root';
  if (!findBinary('sudo')) return undefined;
  try {
    execFileSync('sudo', ['-n', 'true'], { stdio: 'ignore', timeout: 5_000 });
    return 'sudo';
  } catch {
    return undefined;
  }
}
