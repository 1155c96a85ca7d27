import { defaultPolicy, DistrictPolicyDoc } from '@bedlink/domain';
import { DeadlineReconciler, freedBed } from './deadlines';

const bed = { bedId: 'b1', institutionId: 'i1', districtId: 'd1' };

describe('which bed events free a bed for the waiting list', () => {
  it.each([
    ['BedStatusChanged', { ...bed, from: 'C', to: 'U' }, true], // reopened
    ['BedStatusChanged', { ...bed, from: 'H', to: 'U' }, true], // cleaned
    ['BedStatusChanged', { ...bed, from: 'O', to: 'H' }, true], // discharge or EndStay: housekeeping
    ['BedStatusChanged', { ...bed, from: 'U', to: 'O' }, false], // admitted
    ['BedStatusChanged', { ...bed, from: 'U', to: 'C' }, false], // closed
    ['ReservationReleased', { ...bed }, true],
    ['ReservationExpired', { ...bed }, true],
    ['ReservationReleased', { ...bed, bedId: null }, false], // a home-programme slot: no bed to wait for
    ['WaitingListLeft', { ...bed, outcome: 'REMOVED' }, true], // the list offer ended unaccepted
    ['WaitingListLeft', { ...bed, outcome: 'PLACED' }, false],
    ['WaitingListLeft', { ...bed, bedId: null, outcome: 'REMOVED' }, false], // left before any bed was offered
  ])('%s %j → %s', (type, payload, frees) => {
    expect(freedBed(type, payload) !== null).toBe(frees);
  });
});

describe('the dispatch policy: AUTO offers at once, CONFIRM waits for the coordinator', () => {
  const reconciler = (doc: DistrictPolicyDoc, waiting: boolean) => {
    const added: string[] = [];
    const r = new DeadlineReconciler(
      { query: async () => (waiting ? [{ '?column?': 1 }] : []) } as any,
      {} as any,
      { add: async (name: string) => void added.push(name) } as any,
      { now: () => new Date() },
      { forDistrict: async () => doc },
      { seal: (_id: string, job: unknown) => job } as any,
      {} as any,
      { register: () => undefined } as any,
    );
    return { r, added };
  };
  const freed = { bedId: 'b1', institutionId: 'i1', districtId: 'd1' };

  it('AUTO (and no setting): the command is queued', async () => {
    for (const doc of [defaultPolicy('d1'), { ...defaultPolicy('d1'), waitingList: { dispatch: 'AUTO' as const } }]) {
      const { r, added } = reconciler(doc, true);
      await r.dispatchWaitingList(freed, 'e1');
      expect(added).toEqual(['OfferFromWaitingList']);
    }
  });

  it('CONFIRM: nothing is queued; the coordinator offers by hand', async () => {
    const { r, added } = reconciler({ ...defaultPolicy('d1'), waitingList: { dispatch: 'CONFIRM' } }, true);
    await r.dispatchWaitingList(freed, 'e1');
    expect(added).toEqual([]);
  });

  it('nobody waiting at the institution: no command at all', async () => {
    const { r, added } = reconciler(defaultPolicy('d1'), false);
    await r.dispatchWaitingList(freed, 'e1');
    expect(added).toEqual([]);
  });
});
