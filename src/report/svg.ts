/** Inline SVG charts for the HTML report: no script, no network, every text escaped. */
import { escapeHtml as esc } from './escape.js';

export interface Bar {
  label: string;
  value: number;
  /** Part of `value` drawn in the alert colour (e.g. failed calls). */
  alert?: number;
}

/** Horizontal bars, one per item, labels on the left. */
export function barChart(title: string, bars: readonly Bar[], options: { width?: number; max?: number } = {}): string {
  const shown = bars.slice(0, options.max ?? 25);
  const width = options.width ?? 720;
  const labelW = 230;
  const rowH = 22;
  const height = shown.length * rowH + 30;
  const top = Math.max(1, ...shown.map((b) => b.value));
  const scale = (v: number): number => ((width - labelW - 70) * v) / top;
  const rows = shown.map((b, i) => {
    const y = 24 + i * rowH;
    const w = scale(b.value);
    const a = scale(Math.min(b.alert ?? 0, b.value));
    return (
      `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end" class="lbl">${esc(b.label)}</text>` +
      `<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" class="bar"><title>${esc(`${b.label}: ${b.value}`)}</title></rect>` +
      (a > 0 ? `<rect x="${labelW}" y="${y + 3}" width="${a.toFixed(1)}" height="${rowH - 6}" class="bar-alert"><title>${esc(`${b.label}: ${b.alert} failed`)}</title></rect>` : '') +
      `<text x="${(labelW + w + 6).toFixed(1)}" y="${y + 14}" class="val">${b.value}${b.alert ? ` (${b.alert} failed)` : ''}</text>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><text x="0" y="14" class="ttl">${esc(title)}</text>${rows.join('')}</svg>`;
}

/** Columns over time (calls, failed in the alert colour), with first/last bucket labels. */
export function timeChart(title: string, points: readonly { t: string; calls: number; failed: number }[], options: { width?: number } = {}): string {
  const width = options.width ?? 720;
  const height = 200;
  const left = 40;
  const bottom = 170;
  const plotH = 140;
  const top = Math.max(1, ...points.map((p) => p.calls));
  const step = points.length ? (width - left - 10) / points.length : 0;
  const bw = Math.max(1, step - 1);
  const cols = points.map((p, i) => {
    const x = left + i * step;
    const h = (plotH * p.calls) / top;
    const fh = (plotH * p.failed) / top;
    return (
      `<rect x="${x.toFixed(1)}" y="${(bottom - h).toFixed(1)}" width="${bw.toFixed(1)}" height="${h.toFixed(1)}" class="bar"><title>${esc(`${p.t}: ${p.calls} calls, ${p.failed} failed`)}</title></rect>` +
      (fh > 0 ? `<rect x="${x.toFixed(1)}" y="${(bottom - fh).toFixed(1)}" width="${bw.toFixed(1)}" height="${fh.toFixed(1)}" class="bar-alert"/>` : '')
    );
  });
  const axis =
    `<line x1="${left}" y1="${bottom}" x2="${width - 10}" y2="${bottom}" class="axis"/>` +
    `<text x="${left - 4}" y="${bottom - plotH + 4}" text-anchor="end" class="val">${top}</text>` +
    `<text x="${left - 4}" y="${bottom}" text-anchor="end" class="val">0</text>` +
    (points.length
      ? `<text x="${left}" y="${bottom + 18}" class="val">${esc(points[0].t)}</text><text x="${width - 10}" y="${bottom + 18}" text-anchor="end" class="val">${esc(points[points.length - 1].t)}</text>`
      : '');
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><text x="0" y="14" class="ttl">${esc(title)}</text>${axis}${cols.join('')}</svg>`;
}
