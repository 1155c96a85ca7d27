import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderReadme } from '@bedlink/domain';
import { readmeExtras } from './docs-extras';

describe('README reference sections', () => {
  it('match the tables the code runs on (run `npm run docs` after changing a table)', () => {
    const readme = readFileSync(join(__dirname, '../README.md'), 'utf8');
    expect(renderReadme(readme, readmeExtras())).toBe(readme);
  });
});
