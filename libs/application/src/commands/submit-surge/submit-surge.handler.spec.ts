import { defaultPolicy } from '@bedlink/domain';
import { ACTORS, ctxFor, fakeMatcher, world } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { SubmitSurgeCommand } from './submit-surge.command';
import { SubmitSurgeHandler } from './submit-surge.handler';

const payload = {
  referrals: [
    { patientId: 'pat-1', originBedId: 'obed', requestedKind: 'COMMUNITY', services: [], urgency: 'ROUTINE', clinicalSummary: 'stable', consent: true },
  ],
};
describeHandler(SubmitSurgeCommand, SubmitSurgeHandler, [
  {
    name: 'the origin submits a batch; with no servable bed it escalates',
    actor: ACTORS.origin,
    payload,
    events: ['ReferralDrafted', 'ReferralSubmitted', 'ReferralEscalated'],
  },
  {
    name: 'a dry run answers the plan and records nothing',
    actor: ACTORS.origin,
    payload: { ...payload, dryRun: true },
    events: [],
    result: {
      dryRun: true,
      submitted: 1,
      placed: 0,
      escalated: 1,
      allocations: [expect.objectContaining({ index: 0, referralId: null, outcome: 'ESCALATED' })],
    },
  },
  { name: "an auditor's dry run is refused as well", actor: ACTORS.auditor, payload: { ...payload, dryRun: true }, refused: 'FORBIDDEN' },
  { name: 'an auditor may not', actor: ACTORS.auditor, payload, refused: 'FORBIDDEN' },
  { name: 'a district role submits no surge', actor: ACTORS.district, payload, refused: 'FORBIDDEN' },
]);

describe('SubmitSurge and the eligibility policy', () => {
  const care = { referrals: [{ ...payload.referrals[0], requestedKind: 'CARE_HOME' }] };
  const run = async (onFailure: 'REFUSE' | 'FLAG') => {
    const w = world();
    const policy = { forDistrict: async (id: string) => ({ ...defaultPolicy(id), eligibility: { ...defaultPolicy(id).eligibility, onFailure } }) };
    const h = new SubmitSurgeHandler(w, policy, fakeMatcher);
    const result = (await h.execute(new SubmitSurgeCommand(care as never, ctxFor(ACTORS.origin, 'SubmitSurge')))) as any;
    return { result, w };
  };

  it('REFUSE: an item without an assessment is refused with its code, nothing drafted', async () => {
    const { result } = await run('REFUSE');
    expect(result.errors).toEqual([expect.objectContaining({ index: 0, code: 'CARE_GRADE_MISSING' })]);
    expect(result.submitted).toBe(0);
  });

  it('FLAG: the same item goes to the district coordinator, escalated with the code, never allocated', async () => {
    const { result, w } = await run('FLAG');
    expect(result.errors).toEqual([]);
    expect(result.allocations).toEqual([expect.objectContaining({ index: 0, outcome: 'ESCALATED', reason: expect.stringContaining('CARE_GRADE_MISSING') })]);
    expect(w.events).toEqual(['ReferralDrafted', 'ReferralSubmitted', 'ReferralEscalated']);
  });
});
