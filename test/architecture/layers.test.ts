/**
 * The one-way layer rules of docs/ARCHITECTURE.md, checked on every import in src/ (static, re-export, dynamic
 * and type-only imports alike). A rule that comes back fails here, naming the file and the import.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Source text without comments (strings and template literals are kept, so `'//'` in a URL survives). */
export function stripComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      const start = i++;
      while (i < text.length && text[i] !== c) i += text[i] === '\\' ? 2 : 1;
      out += text.slice(start, ++i);
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Every module specifier a file imports: `import … from`, `export … from`, `import 'x'`, `import('x')`. */
export function importsOf(text: string): string[] {
  const code = stripComments(text);
  const found: string[] = [];
  const patterns = [/\b(?:import|export)\b[^'"`;]*?\bfrom\s*(['"])([^'"]+)\1/g, /\bimport\s*(['"])([^'"]+)\1/g, /\bimport\s*\(\s*(['"])([^'"]+)\1\s*\)/g];
  for (const re of patterns) for (const m of code.matchAll(re)) found.push(m[2]);
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** The layer of a file under src/: its first folder, or the file name for top-level files (`errors.ts`). */
function layerOf(file: string): string {
  const rel = relative(SRC, file).split(sep);
  return rel.length === 1 ? rel[0] : rel[0];
}

interface Edge {
  from: string;
  to: string;
  specifier: string;
}

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.')) continue;
      const target = resolve(dirname(file), specifier);
      if (!target.startsWith(SRC + sep)) continue;
      out.push({ from: relative(SRC, file), to: relative(SRC, target).replace(/\.js$/, '.ts'), specifier });
    }
  }
  return out;
}

/** Top-level entries of src/ a layer must never import (folders, or top-level files such as `config.ts`). */
const FORBIDDEN: Record<string, { not: string[]; why: string }> = {
  'errors.ts': { not: ['*'], why: 'the error hierarchy knows no wire and no layer' },
  v2: { not: ['legacy', 'mapping', 'zoho', 'bridge', 'server', 'sandbox', 'convert', 'report', 'inputs', 'journal', 'state', 'config.ts', 'upstream.ts', 'cli.ts', 'index.ts'], why: 'the v2 wire is the bottom layer' },
  legacy: { not: ['v2', 'mapping', 'zoho', 'bridge', 'server', 'sandbox', 'convert', 'report', 'inputs', 'journal', 'state', 'config.ts', 'upstream.ts', 'cli.ts', 'index.ts'], why: 'the v1 wire is the bottom layer' },
  zoho: { not: ['legacy', 'mapping', 'bridge', 'server', 'sandbox', 'convert', 'report', 'inputs', 'config.ts', 'upstream.ts', 'cli.ts', 'index.ts'], why: 'the v2 client speaks v2 only' },
  mapping: { not: ['zoho', 'bridge', 'server', 'sandbox', 'convert', 'report', 'inputs', 'journal', 'state', 'config.ts', 'upstream.ts', 'cli.ts', 'index.ts'], why: 'the translation core is pure' },
  sandbox: { not: ['mapping', 'legacy', 'zoho', 'bridge', 'server', 'convert', 'report', 'inputs', 'journal', 'upstream.ts', 'cli.ts', 'index.ts'], why: 'the emulator shares only the v2 wire with the bridge' },
  bridge: { not: ['server', 'convert', 'report', 'inputs', 'cli.ts', 'index.ts'], why: 'server/ implements bridge/ports.ts, not the other way round' },
  journal: { not: ['zoho', 'bridge', 'server', 'sandbox', 'convert', 'report', 'inputs', 'config.ts', 'upstream.ts', 'cli.ts', 'index.ts'], why: 'the journal stores plain entries (of the mapping shapes) and knows no client or server' },
  report: { not: ['convert', 'server', 'bridge', 'zoho', 'sandbox', 'cli.ts', 'index.ts'], why: 'report/ and convert/ share inputs/, never each other' },
  convert: { not: ['report', 'server', 'bridge', 'sandbox', 'upstream.ts', 'cli.ts', 'index.ts'], why: 'offline tools open a v2 client (clients.ts), never the proxy runtime' },
  inputs: { not: ['convert', 'report', 'server', 'bridge', 'zoho', 'sandbox', 'cli.ts', 'index.ts'], why: 'inputs/ sits under convert/ and report/' },
  state: { not: ['legacy', 'mapping', 'bridge', 'server', 'sandbox', 'convert', 'report', 'inputs', 'cli.ts', 'index.ts'], why: 'shared state knows no wire translation' },
};

/** The imports of `layer` that break its rule, as `file → specifier`. */
function violations(all: Edge[], layer: string, rule: { not: string[] }): string[] {
  return all
    .filter((e) => layerOf(join(SRC, e.from)) === layer)
    .filter((e) => {
      const target = layerOf(join(SRC, e.to));
      if (target === layer) return false;
      return rule.not.includes('*') ? target !== 'paths.ts' : rule.not.includes(target);
    })
    .map((e) => `${e.from} → ${e.specifier}`);
}

describe('one-way layers', () => {
  const all = edges();

  it('finds the imports it checks (the scanner itself works)', () => {
    expect(all.length).toBeGreaterThan(100);
    expect(importsOf("import type { A } from './a.js';\nexport { b } from \"../b.js\";\nconst c = await import('./c.js');\nimport './d.js';"))
      .toEqual(['./a.js', '../b.js', './d.js', './c.js']);
    expect(importsOf("// import { x } from './commented.js'\n/* export * from './block.js' */\nconst url = 'https://x//y';")).toEqual([]);
  });

  it('reports a forbidden import when one comes back', () => {
    const back: Edge[] = [
      { from: 'zoho/client.ts', to: 'legacy/errors.ts', specifier: '../legacy/errors.js' },
      { from: 'errors.ts', to: 'legacy/errors.ts', specifier: './legacy/errors.js' },
      { from: 'report/run.ts', to: 'convert/core.ts', specifier: '../convert/core.js' },
      { from: 'zoho/client.ts', to: 'v2/json.ts', specifier: '../v2/json.js' },
    ];
    expect(violations(back, 'zoho', FORBIDDEN.zoho)).toEqual(['zoho/client.ts → ../legacy/errors.js']);
    expect(violations(back, 'errors.ts', FORBIDDEN['errors.ts'])).toEqual(['errors.ts → ./legacy/errors.js']);
    expect(violations(back, 'report', FORBIDDEN.report)).toEqual(['report/run.ts → ../convert/core.js']);
  });

  it.each(Object.entries(FORBIDDEN))('%s imports none of its forbidden layers', (layer, rule) => {
    expect(violations(all, layer, rule), `${layer}: ${rule.why}`).toEqual([]);
  });
});
