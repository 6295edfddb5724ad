/** Characters of the name datasets, and name cleaning shared by the two name tasks. */

/** Every character of the cleaned names (lower case). */
export const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyz-';

/** Lower-cased, trimmed, de-duplicated names made of NAME_CHARS only. */
export function cleanNames(list: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const raw of list) {
    const n = raw.trim().toLowerCase();
    if (n.length > 0 && [...n].every((c) => NAME_CHARS.includes(c))) seen.add(n);
  }
  return [...seen];
}

/** Character indices in NAME_CHARS; characters outside it are skipped. */
export function encodeChars(name: string): number[] {
  const out: number[] = [];
  for (const c of name.toLowerCase()) {
    const i = NAME_CHARS.indexOf(c);
    if (i >= 0) out.push(i);
  }
  return out;
}

/** Most words kept from a pasted text, and the longest word read. */
export const MAX_WORDS = 20_000;
export const MAX_WORD_LENGTH = 40;

/** Pasted text to words: split at spaces, lines and punctuation (apostrophes too); at most MAX_WORDS, each cut to MAX_WORD_LENGTH. */
export function splitWords(text: string): string[] {
  return text
    .split(/[^\p{L}\p{N}-]+/u)
    .filter((w) => w.length > 0)
    .slice(0, MAX_WORDS)
    .map((w) => w.slice(0, MAX_WORD_LENGTH));
}
