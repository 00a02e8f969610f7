/**
 * report.html: one self-contained page (inline CSS, HTML/CSS charts, no script, no external resource) that
 * leads with "What to fix first", each problem naming the integrations it comes from and linking to their
 * section and porting kit. Every value that came from inputs is escaped. Text wraps in its box at any width.
 */
import { stringifyV2 } from '../mapping/index.js';
import { barChart, timeChart } from './charts.js';
import { escapeHtml as esc } from './escape.js';
import type { FixItem, IntegrationRow, ProblemClass, ReportData } from './types.js';

const CSS = `
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1100px;padding:16px 24px;color:#1d2330;overflow-wrap:anywhere}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #dde;padding-bottom:4px}h3{font-size:15px;margin:16px 0 6px}h4{font-size:14px;margin:12px 0 4px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}th,td{border:1px solid #dde;padding:3px 7px;text-align:left;vertical-align:top;overflow-wrap:anywhere;word-break:break-word}
th{background:#f3f4f8}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap;overflow-wrap:normal}code{background:#f3f4f8;padding:0 3px}
pre{background:#f6f7fa;border:1px solid #dde;padding:6px 8px;white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px;margin:4px 0 10px}
.cls{display:inline-block;border-radius:3px;padding:0 6px;font-size:12px;font-weight:600;margin-right:4px;white-space:nowrap}
.cls-data-loss{background:#fbe3e1;color:#8c1d18}.cls-failed{background:#fdecd2;color:#7a4300}.cls-warning{background:#eceef3;color:#444}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:6px 0}.card{border:1px solid #dde;border-radius:6px;padding:8px 12px;min-width:120px}
.card b{display:block;font-size:20px}.muted{color:#667}.st-unmapped,.st-conversion-failed{color:#b3261e}.st-read-only-dropped,.st-computed-dropped{color:#9a5b00}
ol.fix>li{margin:10px 0}.from{margin:2px 0 0;padding-left:18px}.from li{margin:1px 0}
nav{display:flex;flex-wrap:wrap;gap:4px 12px}
article.integration{border:1px solid #dde;border-radius:6px;padding:4px 12px 8px;margin:12px 0}
details>summary{cursor:pointer;font-weight:600;margin:6px 0}
figure.chart{margin:8px 0 12px}figcaption{font-weight:600;margin-bottom:4px}
.bar-row{display:grid;grid-template-columns:minmax(0,16em) minmax(40px,1fr) auto;gap:8px;align-items:center;margin:2px 0}
.bar-row .lbl{text-align:right;font-size:12px}.bar-row .val{font-size:12px;white-space:nowrap;font-variant-numeric:tabular-nums}
.track{position:relative;height:14px;background:#f3f4f8}.track .fill{position:absolute;left:0;top:0;bottom:0;background:#4a6fd8}.track .fill.alert{background:#d9534f}
.plot{display:flex;gap:6px;align-items:flex-start}.ymax{font-size:12px;color:#333;min-width:2em;text-align:right}
.cols{flex:1;display:flex;align-items:flex-end;gap:1px;height:140px;border-bottom:1px solid #999;min-width:0}
.col{flex:1 1 0;min-width:0;height:100%;position:relative}.col .fill{position:absolute;left:0;right:0;bottom:0;background:#4a6fd8}.col .fill.alert{background:#d9534f}
.xaxis{display:flex;justify-content:space-between;flex-wrap:wrap;gap:8px;font-size:12px;margin-left:calc(2em + 6px)}
`;

const CLASS_LABEL: Record<ProblemClass, string> = { 'data-loss': 'data loss', failed: 'failed', warning: 'warning' };
const num = (n: number | undefined): string => (n === undefined ? '—' : String(Math.round(n * 10) / 10));
/** 0..1 → `12.5%`; never rounds a part up to 100% or down to 0%. */
const percent = (share: number | undefined): string =>
  share === undefined ? '' : `${share > 0 && share < 0.001 ? '<0.1' : share < 1 && share > 0.999 ? '>99.9' : (share * 100).toFixed(1)}%`;
const moduleName = (m: string): string => (m ? m : '(no module)');

function table(headers: string[], rows: (string | number | undefined)[][], numeric: number[] = []): string {
  if (rows.length === 0) return '<p class="muted">None.</p>';
  const head = headers.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${r.map((c, i) => `<td${numeric.includes(i) ? ' class="n"' : ''}>${esc(c ?? '')}</td>`).join('')}</tr>`)
    .join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${esc(title)}</h2>${body}</section>`;
}

function integrationLink(id: string, byId: Map<string, IntegrationRow>): string {
  const i = byId.get(id);
  return i ? `<a href="#int-${esc(id)}">${esc(i.label)}</a>` : esc(id === '(inputs)' ? 'the inputs' : id);
}

function fixItem(f: FixItem, n: number, byId: Map<string, IntegrationRow>): string {
  const measure = f.unit === 'inputs' ? `${f.count} input(s)` : `${f.count} ${f.unit} · ${percent(f.share)} of all ${f.unit}`;
  const from = f.sources
    .map(
      (s) =>
        `<li>${integrationLink(s.integration, byId)} — ${s.count}${s.locations.length ? `: ${s.locations.map((l) => `<code>${esc(l)}</code>`).join(', ')}` : ''}</li>`,
    )
    .join('');
  return (
    `<li id="fix-${n}"><span class="cls cls-${f.class}">${esc(CLASS_LABEL[f.class])}</span>${esc(f.title)} <span class="muted">(${esc(measure)})</span>` +
    `<br><span class="muted">${esc(f.action)}</span>${from ? `<ul class="from">${from}</ul>` : ''}</li>`
  );
}

function integrationArticle(i: IntegrationRow, data: ReportData): string {
  const k = i.kit;
  const facts = [
    `${i.calls} call(s), ${percent(i.share)} of all calls; ${i.failed} failed; ${i.rows} row(s), ${i.failedRows} failed`,
    i.firstSeen ? `seen ${i.firstSeen} … ${i.lastSeen}` : '',
  ].filter(Boolean);
  const problems = i.problems.length
    ? `<ul>${i.problems.map((p) => `<li><a href="#fix-${p}">${esc(data.fixFirst[p].title)}</a></li>`).join('')}</ul>`
    : '<p class="muted">No problems found for this integration.</p>';
  const fieldMap = Object.keys(k.fieldMap).length ? `<pre>${esc(stringifyV2(k.fieldMap, 2))}</pre>` : '<p class="muted">No mapped labels.</p>';
  const unmapped = Object.entries(k.unmappedLabels);
  const requests = k.requests.length
    ? k.requests
        .map((r) => `<h4>${esc(r.name)}: <code>${esc(`${r.method} ${r.path}`)}</code> <span class="muted">from ${esc(r.location)}</span></h4><pre>${esc(stringifyV2(r.body, 2))}</pre>`)
        .join('')
    : '<p class="muted">No v2 request was planned for this integration.</p>';
  return (
    `<article class="integration" id="int-${esc(i.id)}"><h3>${esc(i.label)}</h3>` +
    `<p>${facts.map(esc).join('<br>')}<br><span class="muted">Files: ${i.files.map((f) => `<code>${esc(f)}</code>`).join(' ')}</span></p>` +
    table(
      ['module (v1)', 'v2 module', 'method', 'calls', 'failed', 'rows', 'translated'],
      i.methods.map((m) => [moduleName(m.module), m.v2Module ?? '—', m.method, m.calls, m.failed, m.rows, m.supported ? 'yes' : 'no (4600)']),
      [3, 4, 5],
    ) +
    `<h4>Problems</h4>${problems}` +
    `<details><summary>Porting kit (files in <code>integrations/${esc(i.id)}/</code>)</summary>` +
    `<h4>v1 methods → v2</h4><ul>${k.methods
      .map((m) => `<li><code>${esc(`${moduleName(m.module)}/${m.method}`)}</code> → <code>${esc(m.v2)}</code>${m.notes ? `<br><span class="muted">${esc(m.notes)}</span>` : ''}</li>`)
      .join('')}</ul>` +
    `<h4>OAuth scopes</h4>${k.scopes.length ? `<pre>${esc(k.scopes.join(','))}</pre>` : '<p class="muted">None.</p>'}` +
    `<h4>Label → api_name (field-map.json)</h4>${fieldMap}` +
    (unmapped.length ? `<p>No v2 field (dropped today): ${unmapped.map(([m, ls]) => `${esc(m)}: ${ls.map((l) => `<code>${esc(l)}</code>`).join(' ')}`).join('; ')}</p>` : '') +
    `<h4>Representative v2 requests</h4>${requests}` +
    `<h4>Values that failed conversion</h4>${table(
      ['module', 'label', 'api_name', 'rows', 'example', 'rule'],
      k.conversionFailures.map((c) => [c.module, c.label, c.apiName, c.count, c.example, c.rule]),
      [3],
    )}` +
    `</details></article>`
  );
}

export function renderReportHtml(data: ReportData): string {
  const t = data.totals;
  const s = data.sources;
  const hasJournal = s.journalEntries > 0;
  const byId = new Map(data.integrations.map((i) => [i.id, i]));
  const parts: string[] = [];

  parts.push(
    section(
      'fix-first',
      'What to fix first',
      t.calls === 0
        ? '<p><b>No inputs found</b>: none of the paths given held a v1 call (xmlData payload, URL log line or journal entry).</p>'
        : data.fixFirst.length === 0
          ? `<p>No problems found in ${t.calls} call(s): every call converted without errors, dropped labels or unsupported methods.</p>`
          : `<p class="muted">Ranked by damage: data lost without the client knowing first, then failed calls and rows, then warnings; within each, by the share of traffic affected.</p>` +
            `<ol class="fix">${data.fixFirst.map((f, n) => fixItem(f, n, byId)).join('')}</ol>`,
    ),
  );

  const cards: [string, string | number][] = [
    ['calls', t.calls],
    ['failed calls', t.failedCalls],
    ['rows', t.rows],
    ['failed rows', t.failedRows],
    ['integrations', t.integrations],
  ];
  const journalCards: [string, string | number][] = [
    ['in doubt', t.inDoubt],
    ['v2 calls', t.v2Calls],
    ['credits spent', t.credits],
  ];
  const sourceLine = [
    s.payloadCalls ? `${s.payloadCalls} from payload files` : '',
    s.urlLogCalls ? `${s.urlLogCalls} from URL logs` : '',
    s.journalCalls ? `${s.journalCalls} from journals (${s.journalEntries} entries)` : '',
  ].filter(Boolean);
  const tiles = (cs: [string, string | number][]): string => `<div class="cards">${cs.map(([k, v]) => `<div class="card"><b>${esc(v)}</b>${esc(k)}</div>`).join('')}</div>`;
  parts.push(
    section(
      'overview',
      'Overview',
      `<h3>All inputs</h3>${tiles(cards)}` +
        (hasJournal ? `<h3>From journals only</h3>${tiles(journalCards)}` : '') +
        `<p class="muted">Calls: ${esc(sourceLine.join(', ') || 'none')}. Inputs: ${data.inputs.map((i) => `<code>${esc(i)}</code>`).join(' ')} (${s.files} file(s)).${data.examples ? '' : ' Made with --no-examples: no value from the inputs is shown.'}</p>`,
    ),
  );

  parts.push(
    section(
      'calls',
      'Calls by module and method',
      (data.calls.length
        ? barChart(
            'Calls by module/method (red: failed)',
            data.calls.map((c) => ({ label: `${moduleName(c.module)} ${c.method}`, value: c.calls, alert: c.failed })),
          )
        : '') + table(['module (v1)', 'method', 'calls', 'failed'], data.calls.map((c) => [moduleName(c.module), c.method, c.calls, c.failed]), [2, 3]),
    ),
  );

  parts.push(
    section(
      'integrations',
      'Integrations',
      data.integrations.length
        ? `<p class="muted">Journals: one per authtoken fingerprint, user agent and client address. URL logs: one per authtoken fingerprint (tokens are never printed). Payload files: one per folder. Each has a porting kit under <code>integrations/&lt;id&gt;/</code>.</p>` +
            table(
              ['integration', 'kind', 'calls', 'share', 'failed', 'modules'],
              data.integrations.map((i) => [i.label, i.kind, i.calls, percent(i.share), i.failed, i.modules.join(', ')]),
              [2, 3, 4],
            ) +
            data.integrations.map((i) => integrationArticle(i, data)).join('')
        : '<p class="muted">None.</p>',
    ),
  );

  const modules = [...new Set(data.fields.map((f) => f.module))];
  parts.push(
    section(
      'fields',
      'Fields: v1 label → v2 api_name',
      modules.length === 0
        ? '<p class="muted">No field traces.</p>'
        : modules
            .map(
              (m) =>
                `<h3>${esc(moduleName(m))}</h3><table><thead><tr><th>v1 label</th><th>v2 api_name</th><th>status</th><th>count</th>${data.examples ? '<th>example value</th>' : ''}</tr></thead><tbody>${data.fields
                  .filter((f) => f.module === m)
                  .map(
                    (f) =>
                      `<tr><td>${esc(f.label)}</td><td>${f.apiName ? `<code>${esc(f.apiName)}</code>` : '—'}</td><td class="st-${esc(f.status)}">${esc(f.status)}</td><td class="n">${f.count}</td>${data.examples ? `<td>${esc(f.example ?? '')}</td>` : ''}</tr>`,
                  )
                  .join('')}</tbody></table>`,
            )
            .join(''),
    ),
  );

  parts.push(
    section(
      'conversions',
      'Value conversions that failed',
      table(
        ['module', 'label', 'count', ...(data.examples ? ['example value'] : []), 'rule to apply'],
        data.conversionFailures.map((c) => [c.module, c.label, c.count, ...(data.examples ? [c.example] : []), c.rule]),
        [2],
      ),
    ),
  );
  parts.push(
    section(
      'codes',
      'Errors by legacy code',
      `<p class="muted">Unsupported v1 methods are listed in their own section, not here.</p>` +
        table(['code', 'level', 'message', 'count'], data.codes.map((c) => [c.code, c.level, c.message, c.count]), [3]),
    ),
  );
  parts.push(
    section(
      'warnings',
      'Warnings by kind',
      table(['kind', 'count', ...(data.examples ? ['example'] : [])], data.warnings.map((w) => [w.kind, w.count, ...(data.examples ? [w.example] : [])]), [1]),
    ),
  );
  parts.push(
    section(
      'unsupported',
      'Unsupported v1 methods still in use',
      table(
        ['module', 'method', 'calls', 'integrations'],
        data.unsupportedMethods.map((u) => [moduleName(u.module), u.method, u.count, u.integrations.map((id) => byId.get(id)?.label ?? id).join('; ')]),
        [2],
      ),
    ),
  );

  if (hasJournal) {
    const tl = data.timeline;
    parts.push(
      section(
        'timeline',
        'Calls over time',
        tl.buckets.length === 0
          ? '<p class="muted">No timestamps.</p>'
          : tl.buckets.length === 1
            ? `<p>All ${tl.buckets[0].calls} call(s) in the ${tl.granularity} of ${esc(tl.buckets[0].t)} UTC (${tl.buckets[0].failed} failed).</p>`
            : timeChart(`Calls per ${tl.granularity} (UTC; red: failed)`, tl.buckets),
      ),
    );
    parts.push(
      section(
        'in-doubt',
        'In-doubt calls',
        `<p>${data.inDoubt.count} call(s) in doubt${data.inDoubt.count > data.inDoubt.shown.length ? `, first ${data.inDoubt.shown.length} shown` : ''}. Look each record up by the values below before anyone resends the call.</p>` +
          table(
            ['request id', 'time', 'module', 'method', 'why', 'integration', 'look up by', 'created ids'],
            data.inDoubt.shown.map((r) => [
              r.id,
              r.ts,
              r.module,
              r.method,
              r.reason === 'no-outcome'
                ? 'request without outcome (the proxy stopped mid-call)'
                : r.reason === 'created-despite-error'
                  ? 'answered an error although these records were created (a retry duplicates them)'
                  : 'outcome in doubt',
              r.integration ? (byId.get(r.integration)?.label ?? r.integration) : r.tokenFingerprint,
              r.keys ? r.keys.map((k) => `row ${k.no}: ${Object.entries(k.values).map(([f, v]) => `${f} = ${v}`).join(', ')}`).join('; ') : (r.keysNote ?? ''),
              r.createdIds?.join(' ') ?? 'none known',
            ]),
          ),
      ),
    );
    parts.push(
      section(
        'latency',
        'Upstream latency and credits',
        table(
          ['v2 calls', 'p50 ms', 'p95 ms', 'max ms', 'credits spent'],
          [[data.latency.count, num(data.latency.p50), num(data.latency.p95), num(data.latency.max), t.credits]],
          [0, 1, 2, 3, 4],
        ),
      ),
    );
    parts.push(
      section(
        'duplicates',
        'Duplicates found and name resolutions',
        `<h3>Duplicates</h3>${table(['module', 'field', 'found via', 'count'], data.duplicates.map((d) => [d.module, d.field, d.via, d.count]), [3])}` +
          `<h3>Name resolutions (live)</h3>${table(
            ['kind', 'module', 'field', 'resolved', 'no single match', 'reasons'],
            data.resolutions.map((r) => [r.kind, r.module, r.field, r.resolved, r.unresolved, Object.entries(r.reasons).map(([k, v]) => `${k}: ${v}`).join(', ')]),
            [3, 4],
          )}`,
      ),
    );
  }
  if (data.inputErrors.length) {
    parts.push(section('input-errors', 'Input errors', table(['file', 'problem'], data.inputErrors.map((e) => [e.file, e.message]))));
  }

  const nav = parts
    .map((p) => /<section id="([^"]+)"><h2>([^<]*)<\/h2>/.exec(p))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `<a href="#${m[1]}">${m[2]}</a>`)
    .join('');
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">` +
    `<title>zbridge migration report</title><style>${CSS}</style></head><body>` +
    `<h1>zbridge migration report</h1><p class="muted">Generated ${esc(data.generatedAt)}</p><nav>${nav}</nav>${parts.join('\n')}</body></html>\n`
  );
}
