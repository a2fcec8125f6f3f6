import { createRequire } from 'node:module';
import type * as PW from 'parquet-wasm/node';

/**
 * parquet-wasm (arrow-rs compiled to WebAssembly), loaded once. Its Node build
 * is CommonJS and instantiates the module synchronously on first require.
 */
export const pw: typeof PW = createRequire(import.meta.url)('parquet-wasm/node') as typeof PW;
