/** `node --import ./register.mjs`: lets the conformance CLI load on Node 20 (see suite.ts). */
import { register } from 'node:module';
register('./hooks.mjs', import.meta.url);
