import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@bedlink/config';
import { defaultPolicy } from '@bedlink/domain';
import { fallbackPolicy } from './infra.module';

describe('the policy of a district with no stored document', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'policies-'));
    writeFileSync(
      join(dir, 'east.json'),
      JSON.stringify({ $schema: '../policy.schema.json', ...defaultPolicy('east'), offerWindows: { EMERGENCY: '15m', URGENT: '2h', ROUTINE: '8h' } }),
    );
    writeFileSync(join(dir, 'broken.json'), '{ "districtId": "broken", ');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is its policy file from the first command (before the worker stores it), else the environment defaults', () => {
    const cfg = loadConfig({ NODE_ENV: 'test', POLICY_DIR: dir, OFFER_WINDOW_ROUTINE_MS: '86400000' });
    const fallback = fallbackPolicy(cfg);
    expect(fallback('east').offerWindows.ROUTINE).toBe('8h');
    expect(fallback('west').offerWindows.ROUTINE).toBe('86400000ms');
    expect(fallback('broken').districtId).toBe('broken');
  });

  it('the repository’s demo district reads its 8 business hours from config/policies', () => {
    const doc = fallbackPolicy(loadConfig({ NODE_ENV: 'test' }))('jingan');
    expect(doc.offerWindows.ROUTINE).toBe('8h');
    expect(doc.calendar.routineOnBusinessHours).toBe(true);
  });
});
