/**
 * Breaker finding 8, as a kind: a folder zbridge must create under a pseudo file system (/proc: mkdir answers
 * ENOENT under a parent that exists, where Node 20's recursive mkdir loops for ever) or under a file fails
 * cleanly — every command that creates folders (serve's journal, config check's folder checks, the sandbox data
 * file, convert and report outputs) exits with its code and names what failed, instead of hanging.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeFolder, makeFolderSync } from '../../src/folders.js';
import { BUILT_CLI } from './helpers.js';
import { packageRoot } from '../../src/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'zbridge-folders-'));
const aFile = join(dir, 'a-file.txt');
writeFileSync(aFile, 'x');
const PROC = '/proc/zbridge-no-such-folder';

/** Runs the built CLI; a child still running after `limitMs` is killed and reported as hung (code null). */
function run(args: string[], limitMs = 90_000): Promise<{ code: number | null; hung: boolean; stderr: string }> {
  const child = spawn(process.execPath, [BUILT_CLI, ...args], { cwd: packageRoot, env: { ...process.env, ZBRIDGE_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, limitMs);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, hung, stderr });
    }),
  );
}

const config = (name: string, yaml: string): string => {
  const f = join(dir, name);
  writeFileSync(f, `port: 0\nhost: 127.0.0.1\n${yaml}\n`);
  return f;
};

describe('makeFolderSync / makeFolder: mkdir -p that fails instead of looping', () => {
  const bad: [string, string][] = [
    ['a folder under /proc', `${PROC}/journal`],
    ['a direct child of /proc', PROC],
    ['a folder under a file', join(aFile, 'journal')],
    ['two levels under a file', join(aFile, 'a', 'b')],
  ];
  it.each(bad)('%s: the OS error, at once', async (_name, path) => {
    expect(() => makeFolderSync(path)).toThrow(expect.objectContaining({ code: expect.stringMatching(/^E[A-Z]+$/) }));
    await expect(makeFolder(path)).rejects.toMatchObject({ code: expect.stringMatching(/^E[A-Z]+$/) });
  });

  it('creates every missing level, and accepts a folder that exists', async () => {
    const deep = join(dir, 'x', 'y', 'z');
    makeFolderSync(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    makeFolderSync(deep);
    const deep2 = join(dir, 'p', 'q');
    await makeFolder(deep2);
    await makeFolder(deep2);
    expect(statSync(deep2).isDirectory()).toBe(true);
    expect(() => makeFolderSync(aFile)).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
  });
});

describe('every command that creates a folder fails cleanly on one it cannot make (built CLI)', () => {
  const cases: [string, string[], number, RegExp][] = [
    ['config check: journal.dir under /proc', ['config', 'check', '--config', config('j-proc.yaml', `journal: { dir: ${PROC}/journal }`)], 2, /journal\.dir: (cannot create|\/proc is not writable)/],
    ['config check: journal.dir under a file', ['config', 'check', '--config', config('j-file.yaml', `journal: { dir: ${aFile}/journal }`)], 2, /journal\.dir: .*not a folder/],
    ['config check: tokenStore.path under /proc', ['config', 'check', '--config', config('t-proc.yaml', `journal: { dir: "" }\ntokenStore: { kind: file, path: ${PROC}/tokens.json }`)], 2, /tokenStore\.path: (cannot create|\/proc is not writable)/],
    ['config check: sandbox.dataFile under /proc', ['config', 'check', '--config', config('d-proc.yaml', `journal: { dir: "" }\nsandbox: { dataFile: ${PROC}/data.json }`)], 2, /sandbox\.dataFile: (cannot create|\/proc is not writable)/],
    ['serve: journal.dir under /proc', ['serve', '--config', config('s-proc.yaml', `journal: { dir: ${PROC}/journal }`)], 1, /journal\.dir: cannot open the journal folder .*(ENOENT|EACCES|EPERM)/],
    ['serve: journal.dir under a file', ['serve', '--config', config('s-file.yaml', `journal: { dir: ${aFile}/journal }`)], 1, /journal\.dir: cannot open the journal folder .*ENOTDIR/],
    ['sandbox: --data under /proc', ['sandbox', '--port', '0', '--data', `${PROC}/data.json`], 2, /sandbox\.dataFile/],
    ['convert: --out folder under /proc', ['convert', 'samples/payloads/001-accounts-basic.xml', '--out', `${PROC}/out`], 2, /zbridge convert: E[A-Z]+/],
    ['convert: --out .jsonl under /proc', ['convert', 'samples/payloads/001-accounts-basic.xml', '--out', `${PROC}/out.jsonl`], 2, /zbridge convert: E[A-Z]+/],
    ['report: --out under /proc', ['report', 'samples/payloads/001-accounts-basic.xml', '--out', `${PROC}/r`], 1, /zbridge: E[A-Z]+/],
  ];
  it.each(cases)('%s', async (_name, args, code, message) => {
    const r = await run(args);
    expect(r.hung, `still running after 90 s: ${r.stderr}`).toBe(false);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(existsSync(PROC)).toBe(false);
  }, 120_000);
});
