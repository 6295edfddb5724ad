/**
 * How grapheme-to-phoneme predictions are scored, and the baseline they must beat (the CLI's g2p
 * example and the playground's g2p task both report these). Browser-safe.
 *
 * - Phoneme error rate: the edit distance between predicted and reference phonemes, summed
 *   over the words, divided by the total number of reference phonemes (as a speech
 *   recogniser's word error rate; it can exceed 1).
 * - Word accuracy: the fraction of words whose phonemes are all right.
 * - Nearest spelling: predict the pronunciation of the training word whose spelling is
 *   closest in edit distance (ties: the alphabetically first), found with a trie of the
 *   training spellings searched at distance 0, 1, 2, ... (each search prunes a branch once
 *   every cell of its edit-distance row exceeds the distance).
 */
import { editDistance } from './edit-distance.js';

export interface PronunciationScore {
  phonemeErrorRate: number;
  wordAccuracy: number;
}

export function scorePronunciations(predicted: readonly (readonly string[])[], reference: readonly (readonly string[])[]): PronunciationScore {
  if (predicted.length !== reference.length || reference.length === 0)
    throw new RangeError(`scorePronunciations: ${predicted.length} predictions for ${reference.length} references; wanted one per reference (and at least one).`);
  let errors = 0;
  let phonemes = 0;
  let right = 0;
  reference.forEach((ref, i) => {
    const d = editDistance(predicted[i], ref);
    errors += d;
    phonemes += ref.length;
    if (d === 0) right++;
  });
  return { phonemeErrorRate: errors / phonemes, wordAccuracy: right / reference.length };
}

interface TrieNode {
  children: Map<string, TrieNode>;
  /** Index of the word ending here. */
  word?: number;
}

/** A function from a spelling to the index (in `spellings`) of the closest one. */
export function nearestSpelling(spellings: readonly string[]): (word: string) => number {
  if (spellings.length === 0) throw new RangeError('nearestSpelling: no spellings to search.');
  const root: TrieNode = { children: new Map() };
  // Inserted in sorted order, so children are visited alphabetically.
  const order = spellings.map((_, i) => i).sort((a, b) => (spellings[a] < spellings[b] ? -1 : spellings[a] > spellings[b] ? 1 : a - b));
  for (const i of order) {
    let node = root;
    for (const ch of spellings[i]) {
      let next = node.children.get(ch);
      if (!next) node.children.set(ch, (next = { children: new Map() }));
      node = next;
    }
    node.word ??= i;
  }
  return (word) => {
    const n = word.length;
    const first = Array.from({ length: n + 1 }, (_, j) => j);
    const within = (node: TrieNode, prev: number[], k: number): number | undefined => {
      for (const [ch, child] of node.children) {
        const row = [prev[0] + 1];
        let least = row[0];
        for (let j = 1; j <= n; j++) {
          row.push(Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (word[j - 1] === ch ? 0 : 1)));
          if (row[j] < least) least = row[j];
        }
        if (least > k) continue;
        if (child.word !== undefined && row[n] <= k) return child.word;
        const found = within(child, row, k);
        if (found !== undefined) return found;
      }
      return undefined;
    };
    for (let k = 0; ; k++) {
      if (root.word !== undefined && n <= k) return root.word;
      const found = within(root, first, k);
      if (found !== undefined) return found;
    }
  };
}
