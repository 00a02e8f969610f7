/**
 * Breaker finding 12, as a kind: a closed stdout or stderr (`| head`, a log reader that went away) ends every
 * command quietly — no EPIPE stack, no inputs reported as skipped; a server stops as on SIGTERM. The read end
 * of the pipe is closed right after spawning, long before the child (seconds to load) writes anything.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { BUILT_CLI } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'zbridge-closed-output-'));

interface Run {
  code: number | null;
  hung: boolean;
  /** The stream left open. */
  other: string;
}

function runClosed(args: string[], closed: 'stdout' | 'stderr', during?: (other: () => string) => Promise<void>): Promise<Run> {
  const child = spawn(process.execPath, [BUILT_CLI, ...args], {
    cwd: packageRoot,
    env: { ...process.env, ZBRIDGE_LOG_LEVEL: 'info', ZBRIDGE_JOURNAL_DIR: join(dir, `journal-${Math.random().toString(36).slice(2)}`), ZBRIDGE_AUTHTOKENS: 'closed-output-token' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child[closed].destroy();
  const open = closed === 'stdout' ? child.stderr : child.stdout;
  let other = '';
  open.on('data', (c) => (other += c));
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, 90_000);
  void during?.(() => other);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, hung, other });
    }),
  );
}

/** Once the proxy says where it listens (stderr), one call: its access line goes to the closed stdout. */
async function oneCall(stderr: () => string): Promise<void> {
  for (let i = 0; i < 1200; i += 1) {
    const url = /listening on (http:\/\/\S+)/.exec(stderr())?.[1];
    if (url) {
      await fetch(`${url}/crm/private/xml/Leads/getRecords?authtoken=closed-output-token&scope=crmapi`).then((r) => r.text(), () => '');
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const NOISE = /EPIPE|Unhandled|node:events|^\s+at /m;

describe('a closed output ends every command quietly (built CLI)', () => {
  const cases: [string, string[], 'stdout' | 'stderr', number, ((o: () => string) => Promise<void>)?][] = [
    ['config check, stdout closed', ['config', 'check'], 'stdout', 0],
    ['--help, stdout closed', ['--help'], 'stdout', 0],
    ['convert --out -, stdout closed', ['convert', 'samples/payloads', '--out', '-'], 'stdout', 0],
    ['convert with unreadable inputs, stderr closed', ['convert', 'samples', '--out', join(dir, 'convert-out')], 'stderr', 1],
    ['replay --dry-run, stderr closed', ['replay', 'samples/corpus/journal.jsonl', '--dry-run'], 'stderr', 1],
    ['serve, stdout (the log) closed: stops as on SIGTERM', ['serve', '--port', '0'], 'stdout', 0, oneCall],
  ];
  it.each(cases)('%s', async (_name, args, closed, code, during) => {
    const r = await runClosed(args, closed, during);
    expect(r.hung, r.other).toBe(false);
    expect(r.other).not.toMatch(NOISE);
    if (closed === 'stdout') expect(r.other).not.toMatch(/skipped/);
    expect(r.code).toBe(code);
  }, 120_000);
});
