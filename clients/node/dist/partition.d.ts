/** BLAKE2b with an 8-byte digest (unkeyed) of data, as the little-endian unsigned 64-bit number it spells. */
export declare function blake2b64(data: Uint8Array): bigint;
/** The partition of `partitions` that owns accountId: BLAKE2b-64 of its UTF-8 bytes, little-endian, mod partitions. */
export declare function partitionOf(accountId: string, partitions: number): number;
/**
 * The partition that made authorizationId ("au_p1x2_...": partition 1 of 2), or undefined when the
 * id carries no tag of this layout (no partition holds it).
 */
export declare function partitionOfId(authorizationId: string, partitions: number): number | undefined;
