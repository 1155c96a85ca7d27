import { readFileSync, writeFileSync } from 'node:fs';
import { renderReadme } from '@bedlink/domain';
import { readmeExtras } from './docs-extras';

/** npm run docs: regenerates the README's reference sections from the code's tables. */
const before = readFileSync('README.md', 'utf8');
const after = renderReadme(before, readmeExtras());
writeFileSync('README.md', after);
console.log(before === after ? 'README.md is up to date' : 'README.md regenerated');
