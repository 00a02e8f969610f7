/**
 * The comparison point for translation: what older v1→v2 shims did. Decode the form body, parse xmlData with
 * xml2js (DOM-ish objects, everything an array), map each label to an api_name by replacing spaces with
 * underscores (no metadata, no types, no pseudo-fields beyond the owner and line items), JSON.stringify the v2
 * body; then JSON.parse the v2 answer and build the v1 XML with xml2js' Builder. It does less than the bridge
 * (no validation, coercion, id handling or exact v1 bytes), so it is a generous baseline.
 */
import xml2js from 'xml2js';

type XNode = { $?: Record<string, string>; _?: string; FL?: XNode[]; product?: XNode[]; row?: XNode[] } & Record<string, unknown>;

const parser = new xml2js.Parser({ explicitArray: true });
const builder = new xml2js.Builder({ headless: false, renderOpts: { pretty: false }, xmldec: { version: '1.0', encoding: 'UTF-8' } });

/** xml2js calls back synchronously for string input (its `async` option is false by default). */
function parseSync(xml: string): Record<string, XNode> {
  let out: Record<string, XNode> | undefined;
  let failure: unknown;
  parser.parseString(xml, (error: unknown, result: Record<string, XNode>) => {
    failure = error;
    out = result;
  });
  if (failure) throw failure;
  if (!out) throw new Error('xml2js did not call back synchronously');
  return out;
}

const text = (n: XNode | string): string => (typeof n === 'string' ? n : (n._ ?? '')).trim();
const apiName = (label: string): string => label.replace(/ /g, '_');
const LINE_ITEM_KEYS: Record<string, string> = { Quantity: 'quantity', 'List Price': 'list_price', 'Unit Price': 'unit_price', Discount: 'Discount' };

/** Legacy form body → the v2 request body (as JSON text) of a naive mapping. */
export function xml2jsRequest(formBody: string): { module: string; json: string } {
  const params = new URLSearchParams(formBody);
  const doc = parseSync(params.get('xmlData') ?? '');
  const module = Object.keys(doc)[0];
  const data = (doc[module].row ?? []).map((row) => {
    const record: Record<string, unknown> = {};
    for (const f of row.FL ?? []) {
      const label = f.$?.val ?? '';
      if (label === 'Product Details') {
        record.Product_Details = (f.product ?? []).map((p) => {
          const item: Record<string, unknown> = {};
          for (const pf of p.FL ?? []) {
            const l = pf.$?.val ?? '';
            if (l === 'Product Id') item.product = { id: text(pf) };
            else if (LINE_ITEM_KEYS[l]) item[LINE_ITEM_KEYS[l]] = Number(text(pf));
          }
          return item;
        });
      } else if (label === 'SMOWNERID') record.Owner = { id: text(f) };
      else record[apiName(label)] = text(f);
    }
    return record;
  });
  return { module, json: JSON.stringify({ data, trigger: [] }) };
}

/** v2 answer (JSON text) → v1 XML answer built with xml2js' Builder. */
export function xml2jsResponse(path: string, v2Json: string): string {
  const answer = JSON.parse(v2Json) as { data: { details: Record<string, unknown> }[] };
  const recorddetail = answer.data.map((d) => {
    const det = d.details as { id: string; Created_Time: string; Modified_Time: string; Created_By: { name: string }; Modified_By: { name: string } };
    const wall = (iso: string): string => iso.slice(0, 19).replace('T', ' ');
    return {
      FL: [
        { _: det.id, $: { val: 'Id' } },
        { _: wall(det.Created_Time), $: { val: 'Created Time' } },
        { _: wall(det.Modified_Time), $: { val: 'Modified Time' } },
        { _: det.Created_By.name, $: { val: 'Created By' } },
        { _: det.Modified_By.name, $: { val: 'Modified By' } },
      ],
    };
  });
  return builder.buildObject({ response: { $: { uri: path }, result: { message: 'Record(s) added successfully', recorddetail } } });
}
