export * from '../sites/local/index.js';
