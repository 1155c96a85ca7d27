import { allocateSurge, greedySurge, surgeOrder, SurgeRequest } from './allocate';

type Req = SurgeRequest & { needs: string };
const beds = ['b-rehab', 'b-any1', 'b-any2'];
const fits = (r: Req, b: string) => r.needs === 'ANY' || b === 'b-rehab';

describe('surge allocation', () => {
  it('places the maximum where first-come greedy does not', () => {
    // two flexible patients arrive first and greedy gives one of them the only rehab bed
    const reqs: Req[] = [
      { id: 'flex1', urgency: 'ROUTINE', order: 1, needs: 'ANY' },
      { id: 'flex2', urgency: 'ROUTINE', order: 2, needs: 'ANY' },
      { id: 'rehab', urgency: 'ROUTINE', order: 3, needs: 'REHAB' },
    ];
    const compat = (r: Req, b: string) => (r.needs === 'REHAB' ? b === 'b-rehab' : true);
    const best = allocateSurge(reqs, beds, compat);
    const greedy = greedySurge(reqs, beds, compat);
    expect(best.assigned.size).toBe(3);
    expect(greedy.assigned.size).toBe(2);
    expect(new Set(best.assigned.values()).size).toBe(best.assigned.size);
  });

  it('serves EMERGENCY first when there are fewer beds than patients, and never promises a bed twice', () => {
    const reqs: Req[] = [
      ...Array.from({ length: 4 }, (_, i): Req => ({ id: `r${i}`, urgency: 'ROUTINE', order: i, needs: 'ANY' })),
      { id: 'e1', urgency: 'EMERGENCY', order: 10, needs: 'ANY' },
      { id: 'u1', urgency: 'URGENT', order: 11, needs: 'ANY' },
    ];
    const a = allocateSurge(reqs, beds, fits);
    expect(a.assigned.size).toBe(3);
    expect(a.assigned.has('e1')).toBe(true);
    expect(a.assigned.has('u1')).toBe(true);
    expect(a.assigned.has('r0')).toBe(true); // oldest routine
    expect(a.unplaced).toEqual(['r1', 'r2', 'r3']);
    expect(new Set(a.assigned.values()).size).toBe(3);
  });

  it('a higher-priority patient is never displaced to place a lower one', () => {
    const reqs: Req[] = [
      { id: 'e', urgency: 'EMERGENCY', order: 5, needs: 'REHAB' },
      { id: 'r', urgency: 'ROUTINE', order: 1, needs: 'REHAB' },
    ];
    const a = allocateSurge(reqs, beds, (_r, b) => b === 'b-rehab');
    expect([...a.assigned.keys()]).toEqual(['e']);
  });

  it('orders by urgency, then oldest first within an urgency, whatever the order given', () => {
    const reqs: Req[] = [
      { id: 'r3', urgency: 'ROUTINE', order: 3, needs: 'ANY' },
      { id: 'u2', urgency: 'URGENT', order: 2, needs: 'ANY' },
      { id: 'r1', urgency: 'ROUTINE', order: 1, needs: 'ANY' },
      { id: 'e9', urgency: 'EMERGENCY', order: 9, needs: 'ANY' },
      { id: 'r2', urgency: 'ROUTINE', order: 2, needs: 'ANY' },
    ];
    expect(surgeOrder(reqs).map((r) => r.id)).toEqual(['e9', 'u2', 'r1', 'r2', 'r3']);
    expect(reqs.map((r) => r.id)).toEqual(['r3', 'u2', 'r1', 'e9', 'r2']); // the batch itself is left as given
  });

  it('greedy takes the batch oldest first and lists exactly the patients left without a bed', () => {
    const reqs: Req[] = [
      { id: 'late', urgency: 'EMERGENCY', order: 7, needs: 'ANY' },
      { id: 'first', urgency: 'ROUTINE', order: 1, needs: 'ANY' },
      { id: 'second', urgency: 'ROUTINE', order: 2, needs: 'ANY' },
    ];
    const g = greedySurge(reqs, ['b1', 'b2'], () => true);
    expect([...g.assigned]).toEqual([
      ['first', 'b1'],
      ['second', 'b2'],
    ]);
    expect(g.unplaced).toEqual(['late']);
    expect(greedySurge(reqs.slice(1), ['b1', 'b2'], () => true).unplaced).toEqual([]);
  });
});
