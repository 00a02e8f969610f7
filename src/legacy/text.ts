/** XML text escaping as v1 printed it: shared by the write and read renderers. */

/** Text: `& < >` escaped, `"` left raw (v1 sent `… for the "id" parameter.`). */
export function escapeText(text: string): string {
  if (!/[&<>]/.test(text)) return text;
  return text.replace(/[&<>]/g, (ch) => (ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : '&gt;'));
}

/** Attribute values: `& < "` escaped. */
export function escapeAttr(text: string): string {
  if (!/[&<"]/.test(text)) return text;
  return text.replace(/[&<"]/g, (ch) => (ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : '&quot;'));
}

/** A CDATA section; an embedded `]]>` is split as `]]]]><![CDATA[>`. */
export function cdata(text: string): string {
  return `<![CDATA[${text.indexOf(']]>') < 0 ? text : text.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}
