/**
 * `zbridge metadata pull --out DIR`: the live org's modules, fields and users through a profile's client, written
 * in the snapshot format of src/v2/snapshot.ts (so `--metadata DIR` and the sandbox can use it).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeFolder } from '../folders.js';
import type { V2ModuleJson } from '../mapping/types.js';
import { loadV2ClientConfig, openV2Client } from '../clients.js';
import { upstreamKey } from './replay.js';
import { EXIT, type CommandIO, checkOutFolderOption } from '../inputs/io.js';

/** What metadata pull needs of a client: a GET that answers the parsed JSON body (and its status). */
export interface MetadataGetter {
  get(path: string, query?: Record<string, string>): Promise<unknown>;
}

export interface MetadataPullOptions {
  out: string;
  /** Config file; without it the embedded sandbox, or the ZOHO_* variables' org with `profile: "env"` (clients.ts loadV2ClientConfig). */
  config?: string;
  /** Credential profile name; default the first. */
  profile?: string;
  /** The environment the configuration is read with. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Injected client (tests); skips opening one from the configuration. */
  client?: MetadataGetter;
}

/** The body of a get() answer, whether the client returns the body or `{status, body}`. */
function bodyOf(answer: unknown): Record<string, unknown> {
  const a = answer as { status?: unknown; body?: unknown; data?: unknown } | null;
  if (a && typeof a === 'object' && typeof a.status === 'number' && 'body' in a) {
    if (a.status === 204) return {};
    if (a.status >= 400) throw new Error(`HTTP ${a.status}: ${JSON.stringify(a.body).slice(0, 200)}`);
    return (a.body ?? {}) as Record<string, unknown>;
  }
  return (a ?? {}) as Record<string, unknown>;
}

/** Modules whose fields are worth pulling: API-supported ones (skips web tabs, linking modules without fields). */
const pullable = (m: V2ModuleJson): boolean => m.api_supported !== false && m.generated_type !== 'web';

export async function pullMetadata(client: MetadataGetter, out: string, log: (m: string) => void = () => {}): Promise<{ modules: number; fieldFiles: number; users: number; failed: string[] }> {
  const modulesDoc = bodyOf(await client.get('/crm/v2/settings/modules'));
  const modules = modulesDoc.modules;
  if (!Array.isArray(modules)) throw new Error('GET /crm/v2/settings/modules answered without a "modules" array');
  await makeFolder(join(out, 'fields'));
  await writeFile(join(out, 'modules.json'), `${JSON.stringify({ modules }, null, 2)}\n`);
  let fieldFiles = 0;
  const failed: string[] = [];
  for (const m of modules as V2ModuleJson[]) {
    if (!pullable(m)) continue;
    try {
      const doc = bodyOf(await client.get('/crm/v2/settings/fields', { module: m.api_name }));
      if (!Array.isArray(doc.fields)) throw new Error('no "fields" array');
      // api_name comes from the org: keep it a plain file name.
      await writeFile(join(out, 'fields', `${m.api_name.replace(/[^\w.-]/g, '_')}.json`), `${JSON.stringify({ fields: doc.fields }, null, 2)}\n`);
      fieldFiles++;
    } catch (error) {
      failed.push(m.api_name);
      log(`fields of ${m.api_name}: ${(error as Error).message}`);
    }
  }
  let users: unknown[] = [];
  try {
    const doc = bodyOf(await client.get('/crm/v2/users', { type: 'AllUsers' }));
    users = Array.isArray(doc.users) ? doc.users : [];
    await writeFile(join(out, 'users.json'), `${JSON.stringify({ users }, null, 2)}\n`);
  } catch (error) {
    failed.push('users');
    log(`users: ${(error as Error).message}`);
  }
  try {
    // The org's taxes: line-item Tax amounts are matched against them (an org without taxes answers 204).
    const doc = bodyOf(await client.get('/crm/v2/org/taxes'));
    const taxes = doc.taxes ?? [];
    if (!Array.isArray(taxes)) throw new Error('answered without a "taxes" array');
    await writeFile(join(out, 'taxes.json'), `${JSON.stringify({ taxes }, null, 2)}\n`);
  } catch (error) {
    failed.push('taxes');
    log(`taxes: ${(error as Error).message}`);
  }
  return { modules: modules.length, fieldFiles, users: users.length, failed };
}

export async function runMetadataPull(options: MetadataPullOptions, io: CommandIO): Promise<{ exitCode: number }> {
  let client = options.client;
  let close: (() => Promise<void>) | undefined;
  try {
    checkOutFolderOption(options.out);
  } catch (error) {
    io.stderr.write(`zbridge metadata pull: ${(error as Error).message}\n`);
    return { exitCode: EXIT.usage };
  }
  if (!client) {
    try {
      const { config, notices } = loadV2ClientConfig(options.config, options.profile, options.env);
      for (const notice of notices) io.stderr.write(`zbridge metadata pull: ${notice}\n`);
      const v2 = await openV2Client(config, options.profile);
      close = v2.close;
      if (v2.dryRun) io.stderr.write(`zbridge metadata pull: upstream is "sandbox": a dry run against an emulator started for this run\n`);
      else io.stderr.write(`zbridge metadata pull: upstream ${upstreamKey(config, options.profile)}\n`);
      client = v2.client as unknown as MetadataGetter;
    } catch (error) {
      io.stderr.write(`zbridge metadata pull: ${(error as Error).message}\n`);
      return { exitCode: EXIT.usage };
    }
  }
  try {
    const r = await pullMetadata(client, options.out, (m) => io.stderr.write(`zbridge metadata pull: ${m}\n`));
    io.stderr.write(`zbridge metadata pull: ${r.modules} modules, ${r.fieldFiles} field files, ${r.users} users → ${options.out}\n`);
    return { exitCode: r.failed.length ? EXIT.failures : EXIT.ok };
  } catch (error) {
    io.stderr.write(`zbridge metadata pull: ${(error as Error).message}\n`);
    return { exitCode: EXIT.failures };
  } finally {
    await close?.();
  }
}
