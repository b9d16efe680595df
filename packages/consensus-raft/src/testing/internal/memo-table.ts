/**
 * The set of operations placed so far, as a bitset with a hash kept up to date on every change
 * (Zobrist hashing: each operation has a random 32-bit word, and the set's hash is the XOR of its
 * members' words), so remembering a configuration costs O(1) plus one copy of the bits.
 */
export interface Bitset {
  readonly words: Uint32Array;
  readonly hash: number;
  set(index: number): void;
  clear(index: number): void;
}

export function createBitset(size: number): Bitset {
  const words = new Uint32Array(Math.ceil(size / 32));
  const keys = zobristKeys(size);
  let hash = 0;
  return {
    words,
    get hash() {
      return hash;
    },
    set(index) {
      const word = index >>> 5;
      const bit = 1 << (index & 31);
      if (((words[word] as number) & bit) !== 0) return;
      words[word] = (words[word] as number) | bit;
      hash = (hash ^ (keys[index] as number)) >>> 0;
    },
    clear(index) {
      const word = index >>> 5;
      const bit = 1 << (index & 31);
      if (((words[word] as number) & bit) === 0) return;
      words[word] = (words[word] as number) & ~bit;
      hash = (hash ^ (keys[index] as number)) >>> 0;
    },
  };
}

/**
 * Every (linearized set, model state) the search has entered. Entering one again can only repeat
 * work already done: the first visit explored every continuation from it and all of them failed,
 * or the search would have ended.
 */
export class MemoTable {
  private readonly buckets = new Map<string, Uint32Array[]>();

  /** Records the configuration; false when it was already recorded. */
  addIfNew(linearized: Bitset, stateKey: string): boolean {
    const key = `${linearized.hash}:${stateKey}`;
    const bucket = this.buckets.get(key);
    if (bucket === undefined) {
      this.buckets.set(key, [linearized.words.slice()]);
      return true;
    }
    for (const words of bucket) if (sameWords(words, linearized.words)) return false;
    bucket.push(linearized.words.slice());
    return true;
  }

  get size(): number {
    return this.buckets.size;
  }
}

function sameWords(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

// A fixed xorshift stream: the keys only need to look random, and fixed keys keep runs replayable.
function zobristKeys(size: number): Uint32Array {
  const keys = new Uint32Array(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    keys[i] = x >>> 0;
  }
  return keys;
}
