/**
 * Build switch for the canonical fast paths of decodeSign1, decodeReadingPayload and decodeTx
 * (cbor-canonical.ts). The general path accepts and refuses exactly the same inputs with the
 * same results (test/cbor-canonical.test.ts and the decoders' tests), so a bundler may define
 * the global WL_GENERAL_DECODERS as true (esbuild `define`) to leave the fast paths out: the
 * firmware's device program does, to stay within its 64 KB. Each use site tests
 * `typeof WL_GENERAL_DECODERS === 'undefined'` in place, so that the defined constant folds
 * there and the fast code is shaken out; nothing defines it at run time.
 */
declare global {
  // eslint-disable-next-line no-var
  var WL_GENERAL_DECODERS: true | undefined;
}

export {};
