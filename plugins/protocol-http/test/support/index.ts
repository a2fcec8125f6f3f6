export * from './remote-read-decoder.js';
