// Reads a file as lines with their 1-based numbers and the byte offset after each, so an importer can
// record exactly where it stopped and resume there. Lines end at \n (a trailing \r is removed).
import { createReadStream } from 'node:fs';

export interface LineChunk {
  lines: string[];
  /** Number of the first line in `lines`. */
  firstLine: number;
  /** Byte offset just after the last line in `lines`. */
  endOffset: number;
}

/** Yields chunks of lines from `start` (a byte offset at a line start); `firstLine` numbers the first. */
export async function* readLineChunks(path: string, start = 0, firstLine = 1): AsyncGenerator<LineChunk> {
  const stream = createReadStream(path, { start, highWaterMark: 1 << 20 });
  let rest: Buffer | null = null;
  let offset = start;
  let lineNo = firstLine;
  for await (const data of stream as AsyncIterable<Buffer>) {
    const buf: Buffer = rest ? Buffer.concat([rest, data]) : data;
    const lines: string[] = [];
    let from = 0;
    let nl = buf.indexOf(10, from);
    while (nl !== -1) {
      const end = nl > from && buf[nl - 1] === 13 ? nl - 1 : nl;
      lines.push(buf.toString('utf8', from, end));
      from = nl + 1;
      nl = buf.indexOf(10, from);
    }
    rest = from < buf.length ? buf.subarray(from) : null;
    if (lines.length) {
      offset += from;
      yield { lines, firstLine: lineNo, endOffset: offset };
      lineNo += lines.length;
    }
  }
  if (rest && rest.length) {
    const end = rest[rest.length - 1] === 13 ? rest.length - 1 : rest.length;
    yield { lines: [rest.toString('utf8', 0, end)], firstLine: lineNo, endOffset: offset + rest.length };
  }
}

/**
 * Splits one CSV record (RFC 4180: quoted fields, "" inside quotes) into `out`; returns the field count,
 * or -1 when a quoted field is not closed on this line.
 */
export function splitCsvLine(line: string, out: string[]): number {
  let n = 0;
  let i = 0;
  const len = line.length;
  for (;;) {
    if (i < len && line.charCodeAt(i) === 34) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = line.indexOf('"', from);
        if (q === -1) return -1;
        if (line.charCodeAt(q + 1) === 34) {
          value += line.slice(from, q + 1);
          from = q + 2;
          continue;
        }
        value += line.slice(from, q);
        i = q + 1;
        break;
      }
      out[n++] = value;
      if (i >= len) return n;
      if (line.charCodeAt(i) !== 44) return -1; // text after a closing quote
      i++;
    } else {
      const c = line.indexOf(',', i);
      if (c === -1) {
        out[n++] = line.slice(i);
        return n;
      }
      out[n++] = line.slice(i, c);
      i = c + 1;
    }
  }
}
