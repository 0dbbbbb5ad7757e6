/**
 * `node --import tsx test/support/linear-regex-cli.ts '<json>'`: linearity() of each pattern in a plain node process
 * (recheck's compiled Scala runs several times slower inside a test runner's VM context). The argument is
 * `{ patterns: [{ source, flags }], collapseWords?: boolean }`; prints the Linearity list as JSON.
 */
import { linearity } from './linear-regex';

const { patterns, collapseWords } = JSON.parse(process.argv[2] ?? '{}') as { patterns: { source: string; flags: string }[]; collapseWords?: boolean };
process.stdout.write(JSON.stringify(patterns.map((p) => linearity(new RegExp(p.source, p.flags), { collapseWords }))));
