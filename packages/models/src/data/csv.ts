/**
 * A small CSV reader (RFC 4180): comma-separated fields, optional double quotes around a field,
 * `""` for a quote inside one, CRLF or LF line ends, a header row. Enough for the vega-datasets
 * files; every row must have as many fields as the header. The CLI and the playground share it.
 */
import { InputError } from '@recurrent/core';

export interface Csv {
  header: string[];
  rows: string[][];
}

/** Fields of every line of `text`. */
function records(text: string, where: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      out.push(row);
      row = [];
      field = '';
      line++;
    } else field += c;
  }
  if (quoted) throw new InputError(`${where}: a quoted field opened before line ${line} is never closed.`);
  if (field !== '' || row.length > 0) {
    row.push(field);
    out.push(row);
  }
  return out;
}

/** Parses `text`; `where` (e.g. the file name) starts every error message. Blank lines are skipped. */
export function parseCsv(text: string, where: string): Csv {
  const all = records(text, where).filter((r) => !(r.length === 1 && r[0] === ''));
  if (all.length === 0) throw new InputError(`${where}: no header row; the file is empty.`);
  const [header, ...rows] = all;
  rows.forEach((r, i) => {
    if (r.length !== header.length)
      throw new InputError(`${where}: data row ${i + 1} has ${r.length} fields, wanted ${header.length} (${header.join(', ')}).`);
  });
  return { header, rows };
}

/** The column index of each of `names`; an InputError naming the missing column. */
export function columns<const K extends string>(csv: Csv, names: readonly K[], where: string): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const n of names) {
    const j = csv.header.indexOf(n);
    if (j < 0) throw new InputError(`${where}: no column '${n}' (columns: ${csv.header.join(', ')}).`);
    out[n] = j;
  }
  return out;
}

/** A finite number from a field; an InputError naming row and column otherwise. */
export function numberField(value: string, where: string, row: number, column: string): number {
  const v = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(v)) throw new InputError(`${where}: row ${row} column '${column}' is '${value}', not a number.`);
  return v;
}
