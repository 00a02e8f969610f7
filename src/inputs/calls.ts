/**
 * Reading legacy calls out of input files, one at a time (bounded memory): an xmlData payload file is one call,
 * a URL log holds one call per line (read with readline), a proxy journal one call per `request` entry.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { readJournal } from '../journal/reader.js';
import type { JournalRequestEntry } from '../journal/types.js';
import type { LegacyCall } from '../legacy/types.js';
import { DEFAULT_XMLDATA_LIMITS } from '../legacy/xmldata.js';
import { formDecode, parseLegacyUrlLine } from '../legacy/request.js';
import type { InputKind } from './files.js';
import type { PayloadIndexes } from './payload-index.js';

export interface XmlInputOptions {
  /** v1 module of .xml payloads; default: the payload's root element. */
  module?: string;
  /** v1 method of .xml payloads. Default `insertRecords`. */
  method?: string;
  /** Query-string style parameters of .xml payloads (`duplicateCheck=2&version=4`). Default none. */
  params?: string;
  /** The .xml files hold xmlData as it stands in a raw query string: form-decode once (`+`, `%26`). Default false. */
  formEncoded?: boolean;
  /** Payload files larger than this are reported, not read. Default: the xmlData size limit (legacy/xmldata.ts DEFAULT_XMLDATA_LIMITS.maxBytes, 5 MiB). */
  maxXmlBytes?: number;
  /** Unparseable journal lines (skipped). */
  onJournalError?: (message: string) => void;
  /**
   * Payload folders' index.json files: each listed .xml file is read with its own module, method, parameters
   * and encoding; the options above, when given, win over the index. Default: none read.
   */
  indexes?: PayloadIndexes;
}

export interface InputCall {
  source: string;
  /** 0-based index of the call within its file. */
  index: number;
  kind: InputKind;
  /** 1-based line of URL logs. */
  line?: number;
  call?: LegacyCall;
  /** The journal request entry the call came from (journals only). */
  journal?: JournalRequestEntry;
  /** Why this line/file could not be read as a call. */
  error?: string;
  /** Bytes of the file read so far, this call included (progress). */
  bytes?: number;
}

/** `a=1&B=2` → `{a:"1", b:"2"}`: names lower-cased like LegacyCall.params. */
export function parseParamString(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const [name, value] of new URLSearchParams(text.replace(/^\?+/, ''))) out[name.replace(/^\?+/, '').toLowerCase()] = value;
  return out;
}

/** Root element name of an xmlData document (after BOM, prolog, comments), without parsing it. */
export function sniffRootElement(xml: string): string | undefined {
  const body = xml.replace(/^\uFEFF/, '').replace(/<\?[\s\S]*?\?>/g, '').replace(/<!--[\s\S]*?-->/g, '');
  return /<\s*([A-Za-z_][\w.-]*)/.exec(body)?.[1];
}

export function xmlFileCall(xml: string, options: XmlInputOptions): LegacyCall {
  const module = options.module ?? sniffRootElement(xml) ?? '';
  const method = options.method ?? 'insertRecords';
  return {
    format: 'xml',
    module,
    method,
    path: `/crm/private/xml/${module}/${method}`,
    params: { scope: 'crmapi', ...parseParamString(options.params) },
    xmlData: xml,
  };
}

/** A journal `request` entry back into the call it recorded (params are already secret-free). */
export function journalCall(entry: JournalRequestEntry): LegacyCall {
  return {
    format: entry.format,
    module: entry.module,
    method: entry.method,
    path: entry.path,
    params: { ...entry.params },
    xmlData: entry.xmlData,
  };
}

/** Every call of one input file, in order. Read errors of a single line are yielded as `error` items. */
export async function* readInputCalls(file: string, kind: InputKind, options: XmlInputOptions = {}): AsyncGenerator<InputCall> {
  if (kind === 'xml') {
    const size = (await stat(file)).size;
    const max = options.maxXmlBytes ?? DEFAULT_XMLDATA_LIMITS.maxBytes;
    if (size > max) throw new Error(`payload file is ${size} bytes, above the ${max}-byte limit`);
    const entry = options.indexes?.entryFor(file);
    const own: XmlInputOptions = {
      ...options,
      module: options.module ?? entry?.module,
      method: options.method ?? entry?.method,
      params: options.params ?? entry?.params,
      formEncoded: options.formEncoded ?? entry?.formEncoded,
    };
    const text = await readFile(file, 'utf8');
    const xml = own.formEncoded ? formDecode(text) : text;
    yield { source: file, index: 0, kind, bytes: size, call: xmlFileCall(xml, own) };
    return;
  }
  if (kind === 'urls') {
    const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
    let n = 0;
    let index = 0;
    let bytes = 0;
    for await (const raw of lines) {
      n++;
      bytes += Buffer.byteLength(raw, 'utf8') + 1;
      const line = raw.replace(/^\uFEFF/, '').trim();
      if (!line || line.startsWith('#')) continue;
      const item: InputCall = { source: file, index: index++, kind, line: n, bytes };
      try {
        item.call = parseLegacyUrlLine(line);
      } catch (error) {
        item.error = `line ${n}: ${(error as Error).message}`;
      }
      yield item;
    }
    return;
  }
  let index = 0;
  let bytes = 0;
  const onBytes = (_file: string, n: number): void => {
    bytes = n;
  };
  for await (const entry of readJournal(file, (e) => options.onJournalError?.(`${e.file} line ${e.line}: ${e.message}`), { onBytes })) {
    if (entry.type !== 'request') continue;
    yield { source: file, index: index++, kind, journal: entry, call: journalCall(entry), bytes };
  }
}
