/**
 * Test support other packages' tests may use (`@strata/store-s3/testing`): a real
 * S3-protocol server (s3rver) in a child process, and a delaying TCP proxy.
 */
export { S3rverProcess } from './s3rver-process.js';
export { DelayProxy } from './delay-proxy.js';
