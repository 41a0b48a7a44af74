// Which partition of a cluster owns an account or an authorization, computed exactly as the server
// does (authcore/cluster/partitions.py): an account by BLAKE2b-64 of its id's UTF-8 bytes,
// little-endian, mod the partitions; an authorization by the tag its id carries ("au_p1x2_...":
// partition 1 of 2). Node's crypto has BLAKE2b only with a 64-byte digest, and the digest size is
// part of BLAKE2b's parameters (an 8-byte digest is not the first 8 bytes of a 64-byte one), so
// BLAKE2b (RFC 7693, unkeyed) is here, over 32-bit halves of its 64-bit words.

const BLOCK_BYTES = 128;
const DIGEST_BYTES = 8;

// The initialization vector, each 64-bit word as (low, high) 32-bit halves.
const IV = new Uint32Array([
  0xf3bcc908, 0x6a09e667, 0x84caa73b, 0xbb67ae85, 0xfe94f82b, 0x3c6ef372, 0x5f1d36f1, 0xa54ff53a,
  0xade682d1, 0x510e527f, 0x2b3e6c1f, 0x9b05688c, 0xfb41bd6b, 0x1f83d9ab, 0x137e2179, 0x5be0cd19,
]);

// The message schedule of each round (rounds 10 and 11 repeat 0 and 1), as indices of 32-bit halves.
const SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
].map((row) => row.map((word) => word * 2));

// The working vector and the message block of compress(), kept between calls (JavaScript runs
// one call at a time, and compress() finishes before it returns).
const v = new Uint32Array(32);
const m = new Uint32Array(32);

/** BLAKE2b's G over the 64-bit words at even indices a, b, c, d of v, with message words x and y of m. */
function mix(a: number, b: number, c: number, d: number, x: number, y: number): void {
  // v[a] += v[b] + m[x]
  let low = v[a] + v[b];
  let high = v[a + 1] + v[b + 1] + (low >= 0x100000000 ? 1 : 0);
  low >>>= 0;
  const withX = low + m[x];
  v[a + 1] = high + m[x + 1] + (withX >= 0x100000000 ? 1 : 0);
  v[a] = withX;
  // v[d] = (v[d] ^ v[a]) >>> 32
  low = v[d] ^ v[a];
  high = v[d + 1] ^ v[a + 1];
  v[d] = high;
  v[d + 1] = low;
  // v[c] += v[d]
  low = v[c] + v[d];
  v[c + 1] = v[c + 1] + v[d + 1] + (low >= 0x100000000 ? 1 : 0);
  v[c] = low;
  // v[b] = (v[b] ^ v[c]) >>> 24
  low = v[b] ^ v[c];
  high = v[b + 1] ^ v[c + 1];
  v[b] = (low >>> 24) | (high << 8);
  v[b + 1] = (high >>> 24) | (low << 8);
  // v[a] += v[b] + m[y]
  low = v[a] + v[b];
  high = v[a + 1] + v[b + 1] + (low >= 0x100000000 ? 1 : 0);
  low >>>= 0;
  const withY = low + m[y];
  v[a + 1] = high + m[y + 1] + (withY >= 0x100000000 ? 1 : 0);
  v[a] = withY;
  // v[d] = (v[d] ^ v[a]) >>> 16
  low = v[d] ^ v[a];
  high = v[d + 1] ^ v[a + 1];
  v[d] = (low >>> 16) | (high << 16);
  v[d + 1] = (high >>> 16) | (low << 16);
  // v[c] += v[d]
  low = v[c] + v[d];
  v[c + 1] = v[c + 1] + v[d + 1] + (low >= 0x100000000 ? 1 : 0);
  v[c] = low;
  // v[b] = (v[b] ^ v[c]) >>> 63, that is <<< 1
  low = v[b] ^ v[c];
  high = v[b + 1] ^ v[c + 1];
  v[b] = (low << 1) | (high >>> 31);
  v[b + 1] = (high << 1) | (low >>> 31);
}

function compress(h: Uint32Array, block: Uint8Array, counted: number, last: boolean): void {
  for (let i = 0; i < 32; i += 1) {
    m[i] = block[4 * i] | (block[4 * i + 1] << 8) | (block[4 * i + 2] << 16) | (block[4 * i + 3] << 24);
  }
  v.set(h, 0);
  v.set(IV, 16);
  v[24] ^= counted >>> 0;
  v[25] ^= Math.floor(counted / 0x100000000);
  if (last) {
    v[28] = ~v[28];
    v[29] = ~v[29];
  }
  for (let round = 0; round < 12; round += 1) {
    const s = SIGMA[round];
    mix(0, 8, 16, 24, s[0], s[1]);
    mix(2, 10, 18, 26, s[2], s[3]);
    mix(4, 12, 20, 28, s[4], s[5]);
    mix(6, 14, 22, 30, s[6], s[7]);
    mix(0, 10, 20, 30, s[8], s[9]);
    mix(2, 12, 22, 24, s[10], s[11]);
    mix(4, 14, 16, 26, s[12], s[13]);
    mix(6, 8, 18, 28, s[14], s[15]);
  }
  for (let i = 0; i < 16; i += 1) {
    h[i] ^= v[i] ^ v[i + 16];
  }
}

/** BLAKE2b with an 8-byte digest (unkeyed) of data, as the little-endian unsigned 64-bit number it spells. */
export function blake2b64(data: Uint8Array): bigint {
  const h = new Uint32Array(IV);
  h[0] ^= 0x01010000 ^ DIGEST_BYTES;
  let offset = 0;
  while (data.length - offset > BLOCK_BYTES) {
    compress(h, data.subarray(offset, offset + BLOCK_BYTES), offset + BLOCK_BYTES, false);
    offset += BLOCK_BYTES;
  }
  const last = new Uint8Array(BLOCK_BYTES);
  last.set(data.subarray(offset));
  compress(h, last, data.length, true);
  return (BigInt(h[1]) << 32n) | BigInt(h[0]);
}

const encoder = new TextEncoder();
const ID_TAG = /^p(\d{1,2})x(\d{1,2})$/;

/** The partition of `partitions` that owns accountId: BLAKE2b-64 of its UTF-8 bytes, little-endian, mod partitions. */
export function partitionOf(accountId: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`partitions must be a whole number above 0, not ${partitions}`);
  }
  return Number(blake2b64(encoder.encode(accountId)) % BigInt(partitions));
}

/**
 * The partition that made authorizationId ("au_p1x2_...": partition 1 of 2), or undefined when the
 * id carries no tag of this layout (no partition holds it).
 */
export function partitionOfId(authorizationId: string, partitions: number): number | undefined {
  const first = authorizationId.indexOf("_");
  const second = first < 0 ? -1 : authorizationId.indexOf("_", first + 1);
  if (second < 0) {
    return undefined;
  }
  const tag = authorizationId.slice(first + 1, second);
  const match = ID_TAG.exec(tag);
  if (match === null) {
    return undefined;
  }
  const index = Number(match[1]);
  const count = Number(match[2]);
  // "p01x2" is no tag: the server writes the numbers without leading zeros.
  if (count !== partitions || index >= count || tag !== `p${index}x${count}`) {
    return undefined;
  }
  return index;
}
