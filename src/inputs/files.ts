/**
 * Finding converter/report inputs: paths, folders (recursively) and globs, expanded lazily in a stable order,
 * and classified as xmlData payloads, URL logs or proxy journals (by extension, else by sniffing).
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { looksLikeJournalLine } from '../journal/reader.js';
import { isReplayStateFileName, looksLikeReplayStateLine } from '../journal/state-files.js';

export type InputKind = 'xml' | 'urls' | 'journal';

const GLOB_CHARS = /[*?[{]/;
const LEGACY_URL = /\/crm\/private\/[^/\s]+\/[^/\s]+\/[^/?\s]+/;

/**
 * A glob → RegExp over `/`-separated relative paths: `**` any depth (also zero folders), `*` any run within a
 * segment, `?` one character, `[abc]` a class, `{a,b}` alternatives.
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  let inBraces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) re += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else if (c === '{') {
      inBraces++;
      re += '(?:';
    } else if (c === '}' && inBraces > 0) {
      inBraces--;
      re += ')';
    } else if (c === ',' && inBraces > 0) re += '|';
    else re += c.replace(/[.+^$()|\\\]}]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function* walk(dir: string): AsyncGenerator<string> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.isFile()) yield full;
  }
}

export interface FoundInput {
  file: string;
  /** Named on the command line (an unrecognisable explicit file is an error; one found in a folder is ignored). */
  explicit: boolean;
}

/** Files a path, folder or glob stands for. A path that matches nothing throws (bad usage). */
export async function* expandInputs(patterns: readonly string[]): AsyncGenerator<FoundInput> {
  for (const pattern of patterns) {
    const posix = pattern.split(sep).join('/');
    const globAt = posix.search(GLOB_CHARS);
    if (globAt === -1) {
      const info = await stat(pattern).catch(() => undefined);
      if (!info) throw new Error(`no such file or folder: ${pattern}`);
      if (info.isDirectory()) for await (const file of walk(pattern)) yield { file, explicit: false };
      else yield { file: pattern, explicit: true };
      continue;
    }
    // Walk from the deepest folder before the first glob character; match the rest relative to it.
    const slash = posix.lastIndexOf('/', globAt);
    const base = slash === -1 ? '.' : posix.slice(0, slash) || '/';
    const re = globToRegExp(slash === -1 ? posix : posix.slice(slash + 1));
    const baseAbs = resolve(base);
    let matched = 0;
    const info = await stat(base).catch(() => undefined);
    if (info?.isDirectory()) {
      for await (const file of walk(base)) {
        const rel = resolve(file).slice(baseAbs.length + 1).split(sep).join('/');
        if (re.test(rel)) {
          matched++;
          yield { file, explicit: false };
        }
      }
    }
    if (matched === 0) throw new Error(`no file matches ${pattern}`);
  }
}

/** First non-empty line of a file (reads only the beginning). */
export async function firstLine(file: string): Promise<string | undefined> {
  const stream = createReadStream(file, { encoding: 'utf8', end: 256 * 1024 });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      const t = line.replace(/^\uFEFF/, '').trim();
      if (t) return t;
    }
    return undefined;
  } finally {
    lines.close();
    stream.destroy();
  }
}

/**
 * xml / urls / journal by extension, else by the first line; undefined = not an input we understand, which
 * includes replay's own state files (by name, or by a first line that is a state line: see journal/state-files.ts).
 */
export async function classifyInput(file: string): Promise<InputKind | undefined> {
  const lower = file.toLowerCase();
  if (isReplayStateFileName(file)) return undefined;
  if (lower.endsWith('.xml')) return 'xml';
  const line = await firstLine(file);
  if (line !== undefined && looksLikeReplayStateLine(line)) return undefined;
  if (line === undefined) return lower.endsWith('.jsonl') ? 'journal' : lower.endsWith('.txt') || lower.endsWith('.log') ? 'urls' : undefined;
  if (looksLikeJournalLine(line)) return 'journal';
  if (lower.endsWith('.jsonl')) return 'journal';
  // A URL log is recognised by its content, so notes and READMEs beside payloads are not mistaken for one.
  if (LEGACY_URL.test(line) || ((lower.endsWith('.txt') || lower.endsWith('.log')) && line.startsWith('#'))) return 'urls';
  if (!/\.(txt|log|json|md)$/.test(lower) && line.startsWith('<')) return 'xml';
  return undefined;
}
