// Reads a Price Paid file as records of field offsets into the raw bytes, so the importer decodes only the
// fields it needs and no per-line string or array is made: at national scale (30 million lines) this loop
// and the database writes are the whole import. The layout is RFC 4180 with every field quoted, but any
// field may be unquoted, contain "" for a quote, or (rarely) run over a line end; those cases are handled
// here too, so the importer sees one shape.
import { open } from 'node:fs/promises';

/** A record's fields: field i spans buf[starts[i], ends[i]) without its quotes. */
export interface RecordFields {
  buf: Buffer;
  starts: Int32Array;
  ends: Int32Array;
  /** Per field: bit 1 when it holds "" (an escaped quote), bit 2 when it holds a non-ASCII byte. */
  flags: Uint8Array;
}

export const ESCAPED = 1;
export const NON_ASCII = 2;

type Latin1Buffer = Buffer & { latin1Slice?(start: number, end: number): string };

/** Bytes as one-byte characters: Node's own slice when present (toString's argument checks cost more than it). */
export const latin1: (buf: Buffer, start: number, end: number) => string =
  typeof (Buffer.prototype as Latin1Buffer).latin1Slice === 'function'
    ? (buf, start, end) => (buf as Required<Latin1Buffer>).latin1Slice(start, end)
    : (buf, start, end) => buf.toString('latin1', start, end);

/** Field i as text: a latin1 view when it is plain ASCII (the usual case), else decoded and unescaped. */
export function fieldText(r: RecordFields, i: number): string {
  const flags = r.flags[i]!;
  if (flags === 0) return latin1(r.buf, r.starts[i]!, r.ends[i]!);
  const text = r.buf.toString('utf8', r.starts[i]!, r.ends[i]!);
  return flags & ESCAPED ? text.replace(/""/g, '"') : text;
}

export interface RecordHandlers {
  /** A record of `count` fields (more than `starts` can hold are counted, not kept) starting on `line`. */
  record(fields: RecordFields, count: number, line: number): void;
  blank(line: number): void;
  /** A record that cannot be split into fields (an unclosed quote, text after a closing quote). */
  invalid(line: number, reason: string): void;
  /** After each chunk: `offset` is the byte after the last complete record, `line` its last line. */
  chunkDone(offset: number, line: number): Promise<void> | void;
}

// A quoted field may hold line breaks; one spanning more lines than this is taken for a stray quote.
const MAX_RECORD_LINES = 6;
const CHUNK_BYTES = 4 << 20;

/**
 * Calls `handlers.record` for each record of the file from byte `start` (a record start), numbering lines
 * from `firstLine`. Lines end at \n; a \r before it is dropped.
 */
export async function readPricePaidRecords(path: string, start: number, firstLine: number, maxFields: number, handlers: RecordHandlers): Promise<void> {
  const fields: RecordFields = { buf: Buffer.alloc(0), starts: new Int32Array(maxFields), ends: new Int32Array(maxFields), flags: new Uint8Array(maxFields) };
  // Each read lands after the unfinished record the last chunk ended with, in one buffer reused throughout
  // (a stream's chunks would be concatenated, copying every byte once more).
  let buf = Buffer.allocUnsafe(CHUNK_BYTES * 2);
  let kept = 0; // bytes of an unfinished record at the start of buf
  let offset = start; // file offset of buf[0]
  let line = firstLine;
  const file = await open(path, 'r');
  try {
    for (;;) {
      if (buf.length - kept < CHUNK_BYTES) {
        // A record longer than a chunk (only a stray quote makes one): room for it and the next chunk.
        const bigger = Buffer.allocUnsafe(kept + CHUNK_BYTES);
        buf.copy(bigger, 0, 0, kept);
        buf = bigger;
      }
      const { bytesRead } = await file.read(buf, kept, CHUNK_BYTES, offset + kept);
      if (bytesRead === 0) break;
      const data = buf.subarray(0, kept + bytesRead);
      fields.buf = data;
      const done = parseRecords(data, fields, false, line, handlers);
      line = done.line;
      kept = data.length - done.pos;
      offset += done.pos;
      // The rest moves to the front; chunkDone may run while nothing else reads buf.
      buf.copy(buf, 0, done.pos, data.length);
      await handlers.chunkDone(offset, line - 1);
    }
    if (kept > 0) {
      const rest = buf.subarray(0, kept);
      fields.buf = rest;
      const done = parseRecords(rest, fields, true, line, handlers);
      await handlers.chunkDone(offset + done.pos, done.line - 1);
    }
  } finally {
    await file.close();
  }
}

const INCOMPLETE = -1;

/**
 * Parses the complete records of `buf`; returns where the first incomplete one starts (or the end) and the
 * number of the next line. At the end of the file (`final`) every record is complete.
 */
function parseRecords(buf: Buffer, r: RecordFields, final: boolean, firstLine: number, h: RecordHandlers): { pos: number; line: number } {
  const { starts, ends, flags } = r;
  const maxFields = starts.length;
  const len = buf.length;
  let pos = 0;
  let line = firstLine;
  while (pos < len) {
    // A blank line (or only spaces).
    let b = pos;
    while (b < len && (buf[b] === 32 || buf[b] === 9 || buf[b] === 13)) b++;
    if (b < len && buf[b] === 10) {
      h.blank(line++);
      pos = b + 1;
      continue;
    }
    if (b >= len) {
      if (!final) return { pos, line };
      h.blank(line++);
      return { pos: len, line };
    }

    let p = pos;
    let n = 0;
    let breaks = 0; // line breaks inside quoted fields
    let problem: string | null = null;
    for (;;) {
      let flag = 0;
      let s: number;
      let e: number;
      if (buf[p] === 34) {
        s = p + 1;
        let q = s;
        for (;;) {
          if (q >= len) {
            if (!final) return { pos, line };
            problem = 'unterminated quoted field at end of file';
            break;
          }
          const c = buf[q]!;
          if (c === 34) {
            if (q + 1 >= len && !final) return { pos, line };
            if (buf[q + 1] === 34 && q + 1 < len) {
              flag |= ESCAPED;
              q += 2;
              continue;
            }
            break;
          }
          if (c === 10 && ++breaks >= MAX_RECORD_LINES) {
            // A stray quote: the record's first line is reported and reading resumes after the lines it took.
            breaks--;
            problem = 'unterminated quoted field';
            break;
          }
          if (c > 127) flag |= NON_ASCII;
          q++;
        }
        if (problem) {
          p = problem.endsWith('file') ? len : q;
          break;
        }
        e = q;
        p = q + 1;
      } else {
        s = p;
        while (p < len) {
          const c = buf[p]!;
          if (c === 44 || c === 10) break;
          if (c > 127) flag |= NON_ASCII;
          p++;
        }
        if (p >= len && !final) return { pos, line };
        e = p > s && buf[p - 1] === 13 && (p >= len || buf[p] === 10) ? p - 1 : p;
      }
      if (n < maxFields) {
        starts[n] = s;
        ends[n] = e;
        flags[n] = flag;
      }
      n++;
      if (p >= len) break;
      let c = buf[p];
      if (c === 44) {
        p++;
        continue;
      }
      if (c === 13) {
        if (p + 1 >= len) {
          if (!final) return { pos, line };
          p++;
          break;
        }
        if (buf[p + 1] === 10) c = buf[++p];
      }
      if (c === 10) break;
      // Text after a closing quote: the rest of the line cannot be split reliably.
      problem = `text after the closing quote of field ${n}`;
      const nl = buf.indexOf(10, p);
      if (nl === -1 && !final) return { pos, line };
      p = nl === -1 ? len : nl;
      break;
    }
    // p is at the record's \n (or the end of the file).
    if (problem) h.invalid(line, problem);
    else h.record(r, n, line);
    line += breaks + 1;
    pos = p + 1;
  }
  return { pos: Math.min(pos, len), line };
}
