/**
 * A V8 .cpuprofile → the hottest functions by self time and the project functions by inclusive time, each as
 * `file:function  %`. Usage: `npx tsx bench/profile/summarise.ts FILE.cpuprofile [top=20]`.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

/** Self time grouped by package (node_modules), project file, or node internal area. */
export function selfByPackage(profile: CpuProfile): HotSpot[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const groups = new Map<string, number>();
  let total = 0;
  for (const s of profile.samples ?? []) {
    total++;
    const n = byId.get(s)!;
    let where = shortUrl(n.callFrame.url);
    if (where === '(native)') where = `(native) ${n.callFrame.functionName}`;
    else if (where.startsWith('node:')) where = where.split('/').slice(0, 2).join('/');
    else if (!/^(src|dist|bench)\//.test(where)) where = where.split('/').slice(0, where.startsWith('@') ? 2 : 1).join('/');
    groups.set(where, (groups.get(where) ?? 0) + 1);
  }
  return [...groups].map(([where, c]) => ({ where, percent: (100 * c) / (total || 1) })).sort((a, b) => b.percent - a.percent);
}

export interface HotSpot {
  where: string;
  percent: number;
}

const shortUrl = (url: string): string => {
  const clean = url.replace(/^file:\/\//, '');
  const nm = clean.lastIndexOf('node_modules/');
  if (nm >= 0) return clean.slice(nm + 'node_modules/'.length);
  const m = /\/(src|dist|bench)\/(.*)$/.exec(clean);
  return m ? `${m[1]}/${m[2]}` : clean || '(native)';
};
const label = (n: ProfileNode): string => `${shortUrl(n.callFrame.url)}:${n.callFrame.functionName || '(anonymous)'}`;

/** Self and inclusive time shares (percent of all samples, idle and GC included). */
export function summariseProfile(profile: CpuProfile): { self: HotSpot[]; inclusive: HotSpot[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const hits = new Map<number, number>();
  for (const s of profile.samples ?? []) hits.set(s, (hits.get(s) ?? 0) + 1);
  const total = [...hits.values()].reduce((a, b) => a + b, 0) || 1;
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  for (const [id, count] of hits) {
    const node = byId.get(id)!;
    self.set(label(node), (self.get(label(node)) ?? 0) + count);
    // Each function counted once per sample even when recursive.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!);
      if (seen.has(l)) continue;
      seen.add(l);
      incl.set(l, (incl.get(l) ?? 0) + count);
    }
  }
  const sorted = (m: Map<string, number>): HotSpot[] =>
    [...m].map(([where, c]) => ({ where, percent: (100 * c) / total })).sort((a, b) => b.percent - a.percent);
  return { self: sorted(self), inclusive: sorted(incl).filter((h) => /^(src|dist|bench)\//.test(h.where) || h.where.startsWith('fast-xml-parser')) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  const top = Number(process.argv[3] ?? 20);
  if (!file) throw new Error('usage: summarise.ts FILE.cpuprofile [top]');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const { self, inclusive } = summariseProfile(profile);
  console.log('self time by package / file:');
  for (const h of selfByPackage(profile).slice(0, top)) console.log(`  ${h.percent.toFixed(1).padStart(5)}%  ${h.where}`);
  console.log('self time:');
  for (const h of self.slice(0, top)) console.log(`  ${h.percent.toFixed(1).padStart(5)}%  ${h.where}`);
  console.log('inclusive (project + fast-xml-parser):');
  for (const h of inclusive.slice(0, top)) console.log(`  ${h.percent.toFixed(1).padStart(5)}%  ${h.where}`);
}
