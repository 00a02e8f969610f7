/**
 * Updating bench/RESULTS.md for benchmarks run alone (`npm run bench -- --only replicas`, `npx tsx
 * bench/replicas.ts`): each section replaces its own part of the file (and its verdict lines, where the section
 * says how to recognise them), leaving the other benchmarks' figures as their last full run wrote them.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir } from './child.js';
import type { BenchSection } from './measure.js';

/** Replace (or append) `section` in RESULTS.md with a note naming `command`; false when there is no RESULTS.md yet. */
export function updateResultsSection(section: BenchSection, command: string): boolean {
  const file = join(benchDir, 'RESULTS.md');
  if (!existsSync(file)) return false;
  let doc = readFileSync(file, 'utf8');
  const note = `_Section regenerated alone by \`${command}\` on ${new Date().toISOString()}._`;
  const body = `## ${section.title}\n\n${note}\n\n${section.markdown}\n`;
  const start = doc.indexOf(`## ${section.title}`);
  if (start >= 0) {
    const next = doc.indexOf('\n## ', start + 1);
    doc = doc.slice(0, start) + body + (next >= 0 ? doc.slice(next + 1) : '');
  } else doc = `${doc.trimEnd()}\n\n${body}`;
  // Verdict lines of this section: drop the old ones, add the new ones at the end of the list.
  const match = section.verdictMatch;
  const lines = doc.split('\n').filter((l) => !(match && l.startsWith('- ') && match.test(l.slice(2))));
  const verdictsAt = lines.indexOf('## Verdicts');
  if (verdictsAt >= 0) {
    let end = verdictsAt + 2;
    while (end < lines.length && lines[end].startsWith('- ')) end++;
    lines.splice(end, 0, ...section.verdicts.map((v) => `- ${v}`));
  }
  writeFileSync(file, lines.join('\n'));
  return true;
}
