/**
 * Test instrumentation preloaded into a proxy process (`node --expose-gc --require <this file> index.js`): on SIGUSR2
 * it runs a full GC and writes the live heap size to stderr as one JSON line `{"heapProbe": <bytes>}`.
 * Used by test/reliability/memory.test.ts to measure what a process retains after N calls.
 */
'use strict';
process.on('SIGUSR2', () => {
  if (typeof global.gc === 'function') {
    global.gc();
    global.gc();
  }
  process.stderr.write(`${JSON.stringify({ heapProbe: process.memoryUsage().heapUsed })}\n`);
});
