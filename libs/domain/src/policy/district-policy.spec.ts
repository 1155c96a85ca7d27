import { DistrictPolicy } from './district-policy';
import { defaultPolicy } from './policy';

/** A district's stored policy: every change is an audited event carrying the whole document. */
const T0 = new Date('2026-11-30T02:00:00Z');
const T1 = new Date('2026-11-30T05:00:00Z');

describe('DistrictPolicy', () => {
  it('creating it records DistrictPolicyChanged with the district and the whole document', () => {
    const doc = defaultPolicy('jingan');
    const p = DistrictPolicy.create('pol-1', doc, T0, 'first setup');
    expect(p.id).toBe('pol-1');
    expect(p.aggregateType).toBe('DistrictPolicy');
    expect(p.document).toEqual(doc);
    const events = p.pullEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'DistrictPolicyChanged', aggregateId: 'pol-1', occurredAt: T0, reason: 'first setup' });
    expect(events[0].payload).toEqual({ districtId: 'jingan', document: doc });
  });

  it('replacing it keeps the new document and records it whole, with the reason', () => {
    const p = DistrictPolicy.rehydrate('pol-1', defaultPolicy('jingan'), 3);
    expect(p.version).toBe(3);
    expect(p.pullEvents()).toEqual([]);
    const next = { ...defaultPolicy('jingan'), returnHoldDays: defaultPolicy('jingan').returnHoldDays + 7 };
    p.replace(next, T1, 'longer holds over the holidays');
    expect(p.document).toEqual(next);
    const [e, ...rest] = p.pullEvents();
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ type: 'DistrictPolicyChanged', occurredAt: T1, reason: 'longer holds over the holidays' });
    expect(e.payload).toEqual({ districtId: 'jingan', document: next });
  });
});
