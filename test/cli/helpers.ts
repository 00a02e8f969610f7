/** Running the built CLI (`node dist/bin.js`) as a child process, as users and supervisors do. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';

export const BUILT_CLI = join(packageRoot, 'dist', 'bin.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `zbridge <args>` to completion. */
export function zbridge(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [BUILT_CLI, ...args], {
    cwd: options.cwd ?? packageRoot,
    env: { ...process.env, ZBRIDGE_LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Starts `zbridge <args>` and leaves it running (servers); `stop()` sends SIGTERM and waits. */
export function zbridgeServer(args: string[], options: { env?: Record<string, string> } = {}) {
  const child = spawn(process.execPath, [BUILT_CLI, ...args], {
    cwd: packageRoot,
    env: { ...process.env, ZBRIDGE_LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    out: () => stdout,
    err: () => stderr,
    /** Resolves once `predicate` holds (polls the captured output; fails after ~60 s). */
    async waitFor(predicate: () => boolean, what: string): Promise<void> {
      for (let i = 0; i < 1200; i += 1) {
        if (predicate()) return;
        if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} before ${what}: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`timed out waiting for ${what}: ${stderr}`);
    },
    async stop(): Promise<number | null> {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
