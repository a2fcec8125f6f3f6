import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
let updated = false;

export interface AptOutcome {
  package: string;
  installed: boolean;
  /** Why not, when it is not (e.g. "not in this machine's Debian repositories"). */
  reason?: string;
}

async function isInstalled(pkg: string): Promise<boolean> {
  try {
    const { stdout } = await run('dpkg-query', ['-W', '-f=${Status}', pkg]);
    return stdout.includes('install ok installed');
  } catch {
    return false;
  }
}

/**
 * Installs a Debian package when missing (`apt-get update` once per run
 * first). A package apt does not know is reported, never looked for elsewhere.
 */
export async function ensureAptPackage(pkg: string, log: (s: string) => void): Promise<AptOutcome> {
  if (await isInstalled(pkg)) return { package: pkg, installed: true };
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const exec = (args: string[]) =>
    run(sudo.length ? sudo[0]! : args[0]!, sudo.length ? [...sudo.slice(1), ...args] : args.slice(1), {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      maxBuffer: 64 * 1024 * 1024,
    });
  try {
    if (!updated) {
      log('apt-get update (once)');
      await exec(['apt-get', 'update', '-qq']);
      updated = true;
    }
    const policy = await run('apt-cache', ['policy', pkg]).catch(() => ({ stdout: '' }));
    if (!/Candidate:\s+(?!\(none\))\S+/.test(policy.stdout)) {
      return { package: pkg, installed: false, reason: `not in this machine's Debian repositories (apt-cache policy: no candidate)` };
    }
    log(`apt-get install ${pkg}`);
    await exec(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', pkg]);
    return { package: pkg, installed: await isInstalled(pkg) };
  } catch (err) {
    return { package: pkg, installed: false, reason: `apt-get failed: ${(err as Error).message.split('\n')[0]}` };
  }
}

export async function aptVersion(pkg: string): Promise<string> {
  try {
    const { stdout } = await run('dpkg-query', ['-W', '-f=${Version}', pkg]);
    return stdout.trim();
  } catch {
    return 'unknown';
  }
}
