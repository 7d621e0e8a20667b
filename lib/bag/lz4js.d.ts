// lz4js ships no types; the tests use it to write lz4-compressed MCAP chunks (LZ4 frame format).
declare module "lz4js" {
  export function compress(data: Uint8Array): Uint8Array;
}
