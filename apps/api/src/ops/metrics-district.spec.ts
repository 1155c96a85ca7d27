import { ownDistrictOnly } from './metrics.controller';

describe('ownDistrictOnly: what a district role reads of /metrics', () => {
  const text = [
    '# HELP bedlink_institution_offers_total Offers per institution',
    '# TYPE bedlink_institution_offers_total counter',
    'bedlink_institution_offers_total{district="d1",institution="CC1-d1",outcome="accepted"} 3',
    'bedlink_institution_offers_total{outcome="declined",district="d2",institution="CC1-d2"} 1',
    'bedlink_institution_offers_total{district="d10",institution="CC1-d10",outcome="accepted"} 4',
    'bedlink_queue_jobs{queue="commands",state="waiting"} 0',
    'process_cpu_seconds_total 1.5',
  ].join('\n');

  it('keeps its own district’s series and the engine-wide ones, drops every other district’s', () => {
    const out = ownDistrictOnly(text, 'd1').split('\n');
    expect(out).toContain('bedlink_institution_offers_total{district="d1",institution="CC1-d1",outcome="accepted"} 3');
    expect(out).toContain('bedlink_queue_jobs{queue="commands",state="waiting"} 0');
    expect(out).toContain('process_cpu_seconds_total 1.5');
    expect(out.filter((l) => l.startsWith('#'))).toHaveLength(2);
    expect(out.join('\n')).not.toMatch(/d2|d10/);
  });
});
