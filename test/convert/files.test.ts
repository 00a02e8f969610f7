import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyInput, expandInputs, globToRegExp } from '../../src/inputs/files.js';
import { parseParamString, sniffRootElement } from '../../src/inputs/calls.js';
import { tempDir } from './helpers.js';

describe('globToRegExp', () => {
  it.each([
    ['*.xml', 'a.xml', true],
    ['*.xml', 'd/a.xml', false],
    ['**/*.xml', 'a.xml', true],
    ['**/*.xml', 'd/e/a.xml', true],
    ['d/**', 'd/e/a.log', true],
    ['?.log', 'ab.log', false],
    ['{a,b}.txt', 'b.txt', true],
    ['[ab]*.txt', 'c.txt', false],
    ['a+b.xml', 'a+b.xml', true],
  ])('%s ~ %s → %s', (glob, path, expected) => {
    expect(globToRegExp(glob).test(path)).toBe(expected);
  });
});

describe('input discovery', () => {
  const dir = tempDir('files');
  mkdirSync(join(dir, 'sub', 'deep'), { recursive: true });
  writeFileSync(join(dir, 'a.xml'), '<Leads><row no="1"><FL val="Last Name">x</FL></row></Leads>');
  writeFileSync(join(dir, 'sub', 'calls.txt'), 'https://crm.zoho.com/crm/private/xml/Leads/insertRecords?scope=crmapi\n');
  writeFileSync(join(dir, 'sub', 'deep', 'j.jsonl'), '{"type":"outcome","id":"r1"}\n');
  writeFileSync(join(dir, 'sub', 'deep', 'sniffed'), '{"type":"request","id":"r2"}\n');
  writeFileSync(join(dir, 'sub', 'note.txt'), 'a note about the payloads\n');

  it('walks folders recursively in a stable order and expands globs', async () => {
    const all: string[] = [];
    for await (const f of expandInputs([dir])) all.push(f.file.slice(dir.length + 1));
    expect(all).toEqual(['a.xml', 'sub/calls.txt', 'sub/deep/j.jsonl', 'sub/deep/sniffed', 'sub/note.txt']);
    const globbed: string[] = [];
    for await (const f of expandInputs([join(dir, '**/*.jsonl')])) globbed.push(f.file.slice(dir.length + 1));
    expect(globbed).toEqual(['sub/deep/j.jsonl']);
  });

  it('throws on a path that matches nothing', async () => {
    await expect(async () => {
      for await (const _ of expandInputs([join(dir, 'missing')])) void _;
    }).rejects.toThrow(/no such file/);
    await expect(async () => {
      for await (const _ of expandInputs([join(dir, '*.csv')])) void _;
    }).rejects.toThrow(/no file matches/);
  });

  it('classifies by extension, else by content', async () => {
    expect(await classifyInput(join(dir, 'a.xml'))).toBe('xml');
    expect(await classifyInput(join(dir, 'sub', 'calls.txt'))).toBe('urls');
    expect(await classifyInput(join(dir, 'sub', 'deep', 'j.jsonl'))).toBe('journal');
    expect(await classifyInput(join(dir, 'sub', 'deep', 'sniffed'))).toBe('journal');
    expect(await classifyInput(join(dir, 'sub', 'note.txt'))).toBeUndefined();
  });

  it('reads params and root elements', () => {
    expect(parseParamString('duplicateCheck=2&Version=4&??wfTrigger=true')).toEqual({ duplicatecheck: '2', version: '4', wftrigger: 'true' });
    expect(sniffRootElement('\uFEFF<?xml version="1.0"?>\n<!-- c --><CustomModule1><row/></CustomModule1>')).toBe('CustomModule1');
  });
});
