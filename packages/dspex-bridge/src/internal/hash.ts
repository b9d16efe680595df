/**
 * FNV-1a over the UTF-16 code units of `text`, folded with `seed`: a fast 32-bit hash for seeding
 * per-request randomness. Not for security.
 */
export function hash32(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
