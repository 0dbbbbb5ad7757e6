/**
 * Which command `index.js` runs, from its arguments. Apart from cli.ts so that serving does not load the commands'
 * modules (policy tests, shadow report, access diff: ~10-20 ms of a cold start): main.ts imports cli.ts only for them.
 */
export type Command = { readonly kind: 'serve' } | { readonly kind: 'check' } | { readonly kind: 'shadow-report' };

export function parseCommand(argv: readonly string[]): Command {
  if (argv[0] === 'check') return { kind: 'check' };
  if (argv[0] === 'shadow-report') return { kind: 'shadow-report' };
  return { kind: 'serve' };
}
