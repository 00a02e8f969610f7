/**
 * Charts for the HTML report as plain HTML and CSS (no script, no SVG text to clip): labels wrap in their
 * column, values sit in a column of their own, so nothing overflows at any page width.
 */
import { escapeHtml as esc } from './escape.js';

export interface Bar {
  label: string;
  value: number;
  /** Part of `value` drawn in the alert colour (e.g. failed calls). */
  alert?: number;
}

const pct = (x: number): string => `${(Math.round(x * 1000) / 10).toFixed(1)}%`;

/**
 * Horizontal bars on a logarithmic length scale (log10(1 + v) / log10(1 + max)), so a category of 3 stays
 * visible beside one of 60,000; the alert part is the failed share of the bar. Each value is printed.
 */
export function barChart(title: string, bars: readonly Bar[], options: { max?: number } = {}): string {
  const shown = bars.slice(0, options.max ?? 25);
  const top = Math.log10(1 + Math.max(1, ...shown.map((b) => b.value)));
  const rows = shown.map((b) => {
    const w = b.value > 0 ? Math.max(0.01, Math.log10(1 + b.value) / top) : 0;
    const a = b.value > 0 && b.alert ? w * Math.min(1, b.alert / b.value) : 0;
    const val = `${b.value}${b.alert ? ` (${b.alert} failed)` : ''}`;
    return (
      `<div class="bar-row"><span class="lbl">${esc(b.label)}</span>` +
      `<span class="track" title="${esc(`${b.label}: ${val}`)}"><span class="fill" style="width:${pct(w)}"></span>` +
      (a > 0 ? `<span class="fill alert" style="width:${pct(Math.max(a, 0.005))}"></span>` : '') +
      `</span><span class="val">${esc(val)}</span></div>`
    );
  });
  const more = bars.length > shown.length ? `<p class="muted">${bars.length - shown.length} more in the table below.</p>` : '';
  return `<figure class="chart bars" role="img" aria-label="${esc(title)}"><figcaption>${esc(title)} <span class="muted">(log scale)</span></figcaption>${rows.join('')}${more}</figure>`;
}

/** Columns over time (calls; failed in the alert colour), linear scale, first/last bucket and the maximum labelled. */
export function timeChart(title: string, points: readonly { t: string; calls: number; failed: number }[]): string {
  const top = Math.max(1, ...points.map((p) => p.calls));
  const cols = points.map((p) => {
    const h = p.calls > 0 ? Math.max(0.02, p.calls / top) : 0;
    const f = p.calls > 0 && p.failed > 0 ? Math.max(0.02, p.failed / top) : 0;
    return (
      `<span class="col" title="${esc(`${p.t}: ${p.calls} calls, ${p.failed} failed`)}">` +
      (h > 0 ? `<span class="fill" style="height:${pct(h)}"></span>` : '') +
      (f > 0 ? `<span class="fill alert" style="height:${pct(f)}"></span>` : '') +
      `</span>`
    );
  });
  const first = points[0]?.t ?? '';
  const last = points[points.length - 1]?.t ?? '';
  return (
    `<figure class="chart time" role="img" aria-label="${esc(title)}"><figcaption>${esc(title)}</figcaption>` +
    `<div class="plot"><span class="ymax">${top}</span><div class="cols">${cols.join('')}</div></div>` +
    `<div class="xaxis"><span>${esc(first)}</span><span>${esc(last)}</span></div></figure>`
  );
}
