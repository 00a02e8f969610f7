/** Running bench helpers as separate Node processes (TypeScript through tsx), reading their JSON output. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const benchDir = fileURLToPath(new URL('..', import.meta.url));

/** `node --import tsx SCRIPT ARGS…` with the repository root as cwd. */
export function spawnTs(script: string, args: string[] = [], nodeArgs: string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, ...args], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

/** Runs a script to completion and returns its last stdout line parsed as JSON. */
export async function runJsonChild<T>(script: string, args: string[] = [], nodeArgs: string[] = []): Promise<T> {
  const child = spawnTs(script, args, nodeArgs);
  let last = '';
  const rl = createInterface({ input: child.stdout! });
  rl.on('line', (l) => {
    if (l.trim()) last = l;
  });
  const code: number = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw new Error(`${script} exited with ${code}`);
  return JSON.parse(last) as T;
}

export interface ServerChild {
  /** The JSON object the server printed once it listened (its URL and anything else it reports). */
  info: Record<string, unknown> & { url: string };
  child: ChildProcess;
  /** SIGTERM, then wait for exit; resolves with the JSON lines printed after the ready line (e.g. final stats). */
  stop(): Promise<Record<string, unknown>[]>;
}

/** Starts a long-running server script that prints one JSON line `{"url":…}` when ready. */
export async function startServerChild(script: string, args: string[] = [], nodeArgs: string[] = []): Promise<ServerChild> {
  const child = spawnTs(script, args, nodeArgs);
  const rl = createInterface({ input: child.stdout! });
  const info = await new Promise<ServerChild['info']>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not report ready in 60 s`)), 60_000);
    rl.once('line', (l) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(l) as ServerChild['info']);
      } catch {
        reject(new Error(`${script}: unexpected first line ${l}`));
      }
    });
    child.once('exit', (c) => reject(new Error(`${script} exited early (${c})`)));
  });
  const later: Record<string, unknown>[] = [];
  rl.on('line', (l) => {
    try {
      later.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      /* not a report line */
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    info,
    child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      return later;
    },
  };
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc/PID/stat; undefined where there is no
 * /proc (not Linux) or the process is gone. Clock ticks are taken as 100 per second (Linux USER_HZ).
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/** Sandbox child info with its demo OAuth client and a live access token (bench/servers/sandbox.ts). */
export type SandboxChildInfo = ServerChild['info'] & { accessToken: string; clientId: string; clientSecret: string; refreshToken: string };

/**
 * The read benchmarks' upstream: a sandbox child (pushed onto `servers` so the caller stops it) holding one Lead
 * created through v2, whose id getRecordById then asks for.
 */
export async function startSandboxWithLead(servers: ServerChild[]): Promise<{ sandbox: SandboxChildInfo; leadId: string }> {
  const child = await startServerChild(join(benchDir, 'servers', 'sandbox.ts'), ['{}']);
  servers.push(child);
  const sandbox = child.info as SandboxChildInfo;
  const created = await fetch(`${sandbox.url}/crm/v2/Leads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Zoho-oauthtoken ${sandbox.accessToken}` },
    body: JSON.stringify({ data: [{ Last_Name: 'Bench', First_Name: 'Read', Company: 'Bench Inc', Email: 'read@bench.example', Phone: '0123456' }] }),
  });
  const leadId = ((await created.json()) as { data: { details: { id: string } }[] }).data[0].details.id;
  return { sandbox, leadId };
}
