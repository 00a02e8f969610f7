/**
 * The pieces of v1's JSON output that came from Java (docs/PROTOCOL.md §4): org.json's `XML.toJSONObject` over a
 * Java 7 `HashMap`, so object keys come out in hash-bucket order, and org.json's string quoting.
 */

/** Java's `String.hashCode()` over UTF-16 code units, as a signed 32-bit int. */
export function javaStringHash(key: string): number {
  let h = 0;
  for (let i = 0; i < key.length; i += 1) h = (Math.imul(h, 31) + key.charCodeAt(i)) | 0;
  return h;
}

/** Java 7 `HashMap.hash()`: the supplemental hash spreading high bits down (no alternative hashing seed). */
export function java7SupplementalHash(hashCode: number): number {
  let h = hashCode;
  h ^= (h >>> 20) ^ (h >>> 12);
  return h ^ (h >>> 7) ^ (h >>> 4);
}

/** Table capacity for `size` keys: 16, doubled while the 0.75 load factor is exceeded (32 above 12 keys). */
export function java7Capacity(size: number): number {
  let capacity = 16;
  while (size > capacity * 0.75) capacity *= 2;
  return capacity;
}

/** The bucket of a key in a table of `capacity` slots. */
export function java7Bucket(key: string, capacity: number): number {
  return java7SupplementalHash(javaStringHash(key)) & (capacity - 1);
}

const orderCache = new Map<string, string[]>();

/**
 * Iteration order of a Java 7 HashMap holding `keys` (distinct, in insertion order): ascending buckets, and within
 * a bucket the most recently inserted key first (Java 7 inserts at the head of the bucket's chain).
 *
 * Models a map that never resized while filling, which is what v1's small objects are (at most a handful of
 * keys); for more than 12 keys it uses capacity 32 as docs/PROTOCOL.md §4 states.
 */
export function java7HashMapOrder(keys: readonly string[]): string[] {
  const cacheKey = keys.join('\u0000');
  const cached = orderCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const capacity = java7Capacity(keys.length);
  const order = keys
    .map((key, index) => ({ key, index, bucket: java7Bucket(key, capacity) }))
    .sort((a, b) => a.bucket - b.bucket || b.index - a.index)
    .map((entry) => entry.key);
  if (orderCache.size < 1000) orderCache.set(cacheKey, order);
  return order;
}

/**
 * Iteration order of a Java 8 HashMap holding `keys` (distinct, in insertion order): ascending buckets of
 * `h ^ (h >>> 16)`, and within a bucket insertion order (Java 8 appends to the chain and keeps the order when it
 * resizes). Exact for any number of keys as long as no bucket is treeified (8+ keys in one bucket of a 64+ table).
 * PROTOCOL-READS.md §14: the 2016 crm.zoho.com.cn captures and Zoho's 2017 SDK sample follow it.
 */
export function java8HashMapOrder(keys: readonly string[]): string[] {
  const cacheKey = keys.join('\u0000');
  const cached = java8OrderCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const capacity = java7Capacity(keys.length); // same growth rule: double once size exceeds 0.75 × capacity
  const order = keys
    .map((key, index) => {
      const h = javaStringHash(key);
      return { key, index, bucket: (h ^ (h >>> 16)) & (capacity - 1) };
    })
    .sort((a, b) => a.bucket - b.bucket || a.index - b.index)
    .map((entry) => entry.key);
  if (java8OrderCache.size < 1000) java8OrderCache.set(cacheKey, order);
  return order;
}

const java8OrderCache = new Map<string, string[]>();

/** Which Java's HashMap order v1's JSON objects follow (PROTOCOL-READS.md §14). @default 'java7' */
export const JSON_KEY_ORDERS = ['java7', 'java8'] as const;
export type JsonKeyOrder = (typeof JSON_KEY_ORDERS)[number];

/** The key-order function of a JsonKeyOrder. */
export function hashMapOrder(order: JsonKeyOrder = 'java7'): (keys: readonly string[]) => string[] {
  return order === 'java8' ? java8HashMapOrder : java7HashMapOrder;
}

/** A character org.json's quote may change: `" \\ /`, U+0000–001F, U+0080–009F, U+2000–20FF. */
const NEEDS_QUOTING = /["\\/\u0000-\u001f\u0080-\u009f\u2000-\u20ff]/;

const QUOTED_CHARS = new RegExp(NEEDS_QUOTING.source, 'g');
const NAMED_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };

/** The escape of one character NEEDS_QUOTING matched. */
function quoteChar(ch: string, offset: number, text: string): string {
  if (ch === '/') return text.charCodeAt(offset - 1) === 0x3c ? '\\/' : '/'; // only `</` is escaped
  return NAMED_ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * org.json `JSONObject.quote`: `\" \\ \b \t \n \f \r`, `/` only after `<` (`</` → `<\/`), and `\uxxxx` (lower-case
 * hex, as Java's `Integer.toHexString`) for U+0000–001F, U+0080–009F and U+2000–20FF. Other characters stay raw.
 */
export function orgJsonQuote(text: string): string {
  // Most texts need no escape at all: one linear scan, then the text as is.
  if (!NEEDS_QUOTING.test(text)) return `"${text}"`;
  return `"${text.replace(QUOTED_CHARS, quoteChar)}"`;
}

/** A node of the XML tree that v1's JSON output was mechanically converted from. */
export interface XmlTreeNode {
  name: string;
  /** Attributes in document order. */
  attrs?: [string, string][];
  /** Text content. */
  text?: string;
  /** The text was a CDATA section: org.json keeps it as is, plain text is trimmed like Java's `String.trim`. */
  cdata?: boolean;
  children?: XmlTreeNode[];
}

/**
 * `XML.toJSONObject` of one element's content, serialised compactly in the HashMap order of `order` (Java 7 by default): attributes and child
 * elements become keys (one child of a name → object, several → array), text goes under `content` when the element
 * has attributes or children, a text-only element becomes a string, every scalar is a string.
 */
export function xmlTreeToJson(node: XmlTreeNode, order: JsonKeyOrder = 'java7'): string {
  return `{${orgJsonQuote(node.name)}:${elementValue(node, hashMapOrder(order))}}`;
}

function elementValue(node: XmlTreeNode, order: (keys: readonly string[]) => string[]): string {
  const attrs = node.attrs ?? [];
  const kids = node.children ?? [];
  const text = node.cdata ? (node.text ?? '') : javaTrim(node.text ?? '');
  if (attrs.length === 0 && kids.length === 0) return orgJsonQuote(text);
  // Insertion order as org.json builds it: attributes, then children/content as they occur.
  const members = new Map<string, string[]>();
  for (const [key, value] of attrs) accumulate(members, key, orgJsonQuote(value));
  for (const child of kids) accumulate(members, child.name, elementValue(child, order));
  if (text !== '') accumulate(members, 'content', orgJsonQuote(text));
  const parts: string[] = [];
  for (const key of order([...members.keys()])) {
    const values = members.get(key)!;
    parts.push(`${orgJsonQuote(key)}:${values.length === 1 ? values[0] : `[${values.join(',')}]`}`);
  }
  return `{${parts.join(',')}}`;
}

function accumulate(members: Map<string, string[]>, key: string, value: string): void {
  const list = members.get(key);
  if (list === undefined) members.set(key, [value]);
  else list.push(value);
}

/** Java's `String.trim()`: strips every char <= U+0020 at both ends. */
export function javaTrim(text: string): string {
  // Index-based: `/[\u0000-\u0020]+$/` is quadratic on a long run of spaces followed by other text.
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) <= 0x20) start += 1;
  while (end > start && text.charCodeAt(end - 1) <= 0x20) end -= 1;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}
