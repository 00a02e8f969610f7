/** fields.csv: one line per (module, v1 label, v2 api_name, status), for spreadsheets and scripts. */
import { csvCell } from './escape.js';
import type { ReportData } from './types.js';

export function renderFieldsCsv(data: ReportData): string {
  const lines = ['module,label,api_name,status,count,example'];
  for (const f of data.fields) lines.push([f.module, f.label, f.apiName ?? '', f.status, f.count, f.example ?? ''].map(csvCell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
