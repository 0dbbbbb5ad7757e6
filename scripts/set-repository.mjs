#!/usr/bin/env node
/**
 * The one place a maintainer sets where the project lives: writes package.json's `repository`, `homepage` and `bugs`
 * from one GitHub URL (jsii copies them into the assembly, npm and Construct Hub link them). The release check
 * (test/release/release.test.ts) fails when the three disagree.
 * Usage: node scripts/set-repository.mjs https://github.com/OWNER/NAME
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** package.json's repository, homepage and bugs for a GitHub repository URL (`https://github.com/OWNER/NAME[.git]`). */
export function repositoryFields(url) {
  const m = /^(?:git\+)?https:\/\/github\.com\/([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(url ?? '');
  if (!m) throw new Error(`expected https://github.com/OWNER/NAME, got ${JSON.stringify(url)}`);
  const web = `https://github.com/${m[1]}/${m[2]}`;
  return { repository: { type: 'git', url: `git+${web}.git` }, homepage: `${web}#readme`, bugs: { url: `${web}/issues` } };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  Object.assign(pkg, repositoryFields(process.argv[2]));
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
  process.stdout.write(`package.json: repository ${pkg.repository.url}, homepage ${pkg.homepage}, bugs ${pkg.bugs.url}\n`);
}
