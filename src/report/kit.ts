/**
 * The porting kit of each integration, as files under `<out>/integrations/<id>/`:
 *   README.md                what the integration does and what to change, for its owner
 *   methods.json             v1 methods it uses → their v2 replacement
 *   field-map.json           { "<v2 module>": { "<v1 label>": "<api_name>" } }, ready to use
 *   requests/<name>.json     one representative v2 request per (module, operation): method, path, body
 *   conversion-failures.json values that failed conversion, with the rule to apply
 *   scopes.txt               the OAuth scopes a v2 client needs, comma-separated (for the consent URL)
 * Bodies keep exact decimals (stringifyV2).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeFolder } from '../folders.js';
import { stringifyV2 } from '../mapping/index.js';
import { markdownText } from './escape.js';
import type { IntegrationRow, ReportData } from './types.js';

const json = (v: unknown): string => `${stringifyV2(v, 2)}\n`;

/**
 * The kit's README.md. Every text that comes from the inputs (label, user agent, address, file names, modules,
 * methods, labels, values, paths, problem titles) goes through `markdownText`: it renders as the text itself,
 * never as HTML, a link or a broken table.
 */
export function kitReadme(i: IntegrationRow, data: ReportData): string {
  const k = i.kit;
  const md = markdownText;
  const row = (cells: readonly unknown[]): string => `| ${cells.map(md).join(' | ')} |`;
  const lines = [
    `# Porting kit: ${md(i.label)}`,
    '',
    `${i.calls} call(s) (${(i.share * 100).toFixed(1)}% of the report's calls), ${i.failed} failed; ${i.rows} row(s), ${i.failedRows} failed.`,
    i.firstSeen ? `Seen ${md(i.firstSeen)} … ${md(i.lastSeen)}.` : '',
    `Files: ${i.files.map(md).join(', ')}`,
    '',
    '## v1 methods and their v2 replacement',
    '',
    ...k.methods.map((m) => `- ${md(m.module)}/${md(m.method)} → ${md(m.v2)}${m.notes ? `\n  ${md(m.notes)}` : ''}`),
    '',
    '## OAuth scopes (scopes.txt)',
    '',
    k.scopes.length ? md(k.scopes.join(',')) : '(none needed)',
    '',
    '## Field map (field-map.json)',
    '',
    ...(Object.keys(k.fieldMap).length
      ? Object.entries(k.fieldMap).flatMap(([m, map]) => [`${md(m)}:`, '', '| v1 label | v2 api_name |', '| --- | --- |', ...Object.entries(map).map(([l, a]) => row([l, a])), ''])
      : ['(none)']),
    ...(Object.keys(k.unmappedLabels).length
      ? ['', 'Labels with no v2 field (their values are dropped today):', ...Object.entries(k.unmappedLabels).map(([m, ls]) => `- ${md(m)}: ${ls.map((l) => `"${md(l)}"`).join(', ')}`)]
      : []),
    '',
    '## Representative v2 requests (requests/)',
    '',
    ...(k.requests.length ? k.requests.map((r) => `- requests/${md(r.name)}.json: ${md(r.method)} ${md(r.path)} (from ${md(r.location)})`) : ['(none)']),
    '',
    '## Values that failed conversion (conversion-failures.json)',
    '',
    ...(k.conversionFailures.length
      ? [
          '| module | v1 label | v2 api_name | rows | example | rule |',
          '| --- | --- | --- | --- | --- | --- |',
          ...k.conversionFailures.map((c) => row([c.module, c.label, c.apiName ?? '', c.count, c.example !== undefined ? `"${c.example}"` : '', c.rule])),
        ]
      : ['(none)']),
    '',
    '## Problems found (ranked as in report.html)',
    '',
    ...(i.problems.length ? i.problems.map((p) => `- ${md(data.fixFirst[p].title)}\n  ${md(data.fixFirst[p].action)}`) : ['(none)']),
    '',
  ];
  return lines.filter((l, n, a) => !(l === '' && a[n - 1] === '')).join('\n');
}

/** Writes every integration's kit; returns the folders written. */
export async function writePortingKits(out: string, data: ReportData): Promise<string[]> {
  const dirs: string[] = [];
  for (const i of data.integrations) {
    const dir = join(out, 'integrations', i.id);
    await makeFolder(join(dir, 'requests'));
    await writeFile(join(dir, 'README.md'), kitReadme(i, data));
    await writeFile(join(dir, 'methods.json'), json(i.kit.methods));
    await writeFile(join(dir, 'field-map.json'), json(i.kit.fieldMap));
    await writeFile(join(dir, 'conversion-failures.json'), json(i.kit.conversionFailures));
    await writeFile(join(dir, 'scopes.txt'), `${i.kit.scopes.join(',')}\n`);
    for (const r of i.kit.requests) {
      await writeFile(join(dir, 'requests', `${r.name.replace(/[^\w.-]/g, '_')}.json`), json({ method: r.method, path: r.path, body: r.body }));
    }
    dirs.push(dir);
  }
  return dirs;
}
