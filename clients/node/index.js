// The package's entry: the implementation is in lib/, its types in index.d.ts beside this file.
export * from './lib/index.js';
