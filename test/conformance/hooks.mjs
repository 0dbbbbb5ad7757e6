/** Resolve hook: the conformance CLI's `fs` import gets fs plus a `globSync` stub when the runtime lacks one (Node < 22). */
import fs from 'node:fs';

const shim = new URL('./fs-shim.mjs', import.meta.url).href;
export async function resolve(specifier, context, next) {
  if (!fs.globSync && specifier === 'fs' && context.parentURL?.includes('/@modelcontextprotocol/conformance/')) {
    return { url: shim, shortCircuit: true };
  }
  return next(specifier, context);
}
