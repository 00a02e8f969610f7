/**
 * report.html: one self-contained page (inline CSS and SVG, no script, no external resource) that leads with
 * "What to fix first". Every value that came from inputs is escaped.
 */
import { escapeHtml as esc } from './escape.js';
import { barChart, timeChart } from './svg.js';
import type { ReportData } from './types.js';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1100px;padding:16px 24px;color:#1d2330}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #dde;padding-bottom:4px}h3{font-size:15px;margin:16px 0 6px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}th,td{border:1px solid #dde;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f3f4f8}td.n{text-align:right;font-variant-numeric:tabular-nums}code{background:#f3f4f8;padding:0 3px}
.sev-high{color:#b3261e;font-weight:600}.sev-medium{color:#9a5b00;font-weight:600}.sev-low{color:#555}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #dde;border-radius:6px;padding:8px 12px;min-width:120px}
.card b{display:block;font-size:20px}.muted{color:#667}.st-unmapped,.st-conversion-failed{color:#b3261e}.st-read-only-dropped,.st-computed-dropped{color:#9a5b00}
svg .bar{fill:#4a6fd8}svg .bar-alert{fill:#d9534f}svg .lbl,svg .val{font-size:12px;fill:#333}svg .ttl{font-size:13px;font-weight:600;fill:#222}svg .axis{stroke:#999}
ol.fix li{margin:6px 0}nav a{margin-right:10px}
`;

const num = (n: number | undefined): string => (n === undefined ? '—' : String(Math.round(n * 10) / 10));

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

export function renderReportHtml(data: ReportData): string {
  const t = data.totals;
  const hasJournal = data.sources.journalEntries > 0;
  const parts: string[] = [];

  parts.push(
    section(
      'fix-first',
      'What to fix first',
      data.fixFirst.length === 0
        ? '<p>No problems found: every call converted without errors, unmapped labels or unsupported methods.</p>'
        : `<ol class="fix">${data.fixFirst
            .map((f) => `<li><span class="sev-${f.severity}">[${esc(f.severity)}]</span> ${esc(f.title)}<br><span class="muted">${esc(f.action)}</span></li>`)
            .join('')}</ol>`,
    ),
  );

  const cards: [string, string | number][] = [
    ['calls', t.calls],
    ['failed calls', t.failedCalls],
    ['rows', t.rows],
    ['failed rows', t.failedRows],
    ['in doubt', t.inDoubt],
  ];
  if (hasJournal) cards.push(['v2 calls', t.v2Calls], ['credits spent', t.credits]);
  parts.push(
    section(
      'overview',
      'Overview',
      `<div class="cards">${cards.map(([k, v]) => `<div class="card"><b>${esc(v)}</b>${esc(k)}</div>`).join('')}</div>` +
        `<p class="muted">Inputs: ${data.inputs.map((i) => `<code>${esc(i)}</code>`).join(' ')} — ${data.sources.payloadCalls} payload/URL calls, ${data.sources.journalEntries} journal entries.</p>`,
    ),
  );

  parts.push(
    section(
      'calls',
      'Calls by module and method',
      barChart(
        'Calls by module/method (red: failed)',
        data.calls.map((c) => ({ label: `${c.module} ${c.method}`, value: c.calls, alert: c.failed })),
      ) + table(['module (v1)', 'method', 'calls', 'failed'], data.calls.map((c) => [c.module, c.method, c.calls, c.failed]), [2, 3]),
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
                `<h3>${esc(m)}</h3><table><thead><tr><th>v1 label</th><th>v2 api_name</th><th>status</th><th>count</th><th>example value</th></tr></thead><tbody>${data.fields
                  .filter((f) => f.module === m)
                  .map(
                    (f) =>
                      `<tr><td>${esc(f.label)}</td><td>${f.apiName ? `<code>${esc(f.apiName)}</code>` : '—'}</td><td class="st-${esc(f.status)}">${esc(f.status)}</td><td class="n">${f.count}</td><td>${esc(f.example ?? '')}</td></tr>`,
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
      table(['module', 'label', 'count', 'example value'], data.conversionFailures.map((c) => [c.module, c.label, c.count, c.example]), [2]),
    ),
  );
  parts.push(
    section(
      'codes',
      'Errors by legacy code',
      `<p class="muted">Unsupported v1 methods are listed in their own section, not here.</p>` + table(['code', 'level', 'message', 'count'], data.codes.map((c) => [c.code, c.level, c.message, c.count]), [3]),
    ),
  );
  parts.push(
    section('warnings', 'Warnings by kind', table(['kind', 'count', 'example'], data.warnings.map((w) => [w.kind, w.count, w.example]), [1])),
  );
  parts.push(
    section(
      'unsupported',
      'Unsupported v1 methods still in use',
      table(['module', 'method', 'calls', 'integrations (token fingerprints)'], data.unsupportedMethods.map((u) => [u.module, u.method, u.count, u.integrations.join(', ')]), [2]),
    ),
  );

  if (hasJournal) {
    parts.push(
      section(
        'integrations',
        'Integrations',
        table(
          ['token fingerprint', 'user agent', 'client address', 'calls', 'failed', 'first seen', 'last seen', 'modules'],
          data.integrations.map((i) => [i.tokenFingerprint, i.userAgent, i.address, i.calls, i.failed, i.firstSeen, i.lastSeen, i.modules.join(', ')]),
          [3, 4],
        ),
      ),
    );
    parts.push(
      section(
        'timeline',
        'Calls over time',
        data.timeline.buckets.length
          ? timeChart(`Calls per ${data.timeline.granularity} (UTC; red: failed)`, data.timeline.buckets)
          : '<p class="muted">No timestamps.</p>',
      ),
    );
    parts.push(
      section(
        'in-doubt',
        'In-doubt calls',
        `<p>${data.inDoubt.count} call(s) in doubt${data.inDoubt.count > data.inDoubt.shown.length ? `, first ${data.inDoubt.shown.length} shown` : ''}.</p>` +
          table(
            ['request id', 'time', 'module', 'method', 'why', 'token fingerprint', 'created ids'],
            data.inDoubt.shown.map((r) => [r.id, r.ts, r.module, r.method, r.reason === 'no-outcome' ? 'request without outcome' : 'outcome in doubt', r.tokenFingerprint, r.createdIds?.join(' ')]),
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
          `<h3>Name resolutions</h3>${table(
            ['kind', 'module', 'field', 'resolved', 'unresolved', 'reasons'],
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
