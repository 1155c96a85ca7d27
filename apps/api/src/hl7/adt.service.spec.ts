import { DomainError } from '@bedlink/domain';
import { AdtService, stayEndOf } from './adt.service';

describe('PV1-36 discharge disposition (HL7 table 0112) → why the stay ends', () => {
  it.each([
    [undefined, 'DISCHARGED_HOME'],
    ['01', 'DISCHARGED_HOME'],
    ['1', 'DISCHARGED_HOME'],
    ['20', 'DECEASED'],
    ['41', 'DECEASED'],
    ['07', 'LEFT_AGAINST_ADVICE'],
    ['02', 'TRANSFERRED_OUT_OF_NETWORK'],
    ['62', 'TRANSFERRED_OUT_OF_NETWORK'],
    ['99', 'DISCHARGED_HOME'],
  ])('%s → %s', (code, reason) => {
    expect(stayEndOf(code)).toBe(reason);
  });
});

describe('AdtService: which refusals a retransmission gets again', () => {
  // The collaborators are stand-ins with the behaviour the service relies on: a command log that
  // answers what the refusal store kept under the key. The real ones are covered by test/hl7.e2e-spec.ts.
  function service(bedsAt: () => Promise<{ id: string }[]>) {
    const log = new Map<string, { ok: false; error: object; correlationId: string }>();
    const ran: string[] = [];
    const svc = new AdtService(
      { executeAs: async (type: string) => (ran.push(type), { ok: true }) } as never,
      {
        outcome: async (id: string) => log.get(id) ?? null,
        correlationOf: async (id: string) => log.get(id)?.correlationId,
      } as never,
      { remember: async (c: { id: string; error: object; correlationId: string }) => (log.set(c.id, { ok: false, ...c }), true) } as never,
      {} as never,
      { institutionNamed: async () => undefined, bedsAt } as never,
      {} as never,
    );
    return { svc, log, ran };
  }
  const actor = { userId: 'his', role: 'INTEGRATION', institutionId: 'h1', districtId: 'd1' } as never;
  const a20 = (ctl: string) => `MSH|^~\\&|HIS|H1|BEDLINK|D1|20261123||ADT^A20|${ctl}|P|2.5.1\rNPU|W1^^B1|C`;
  const msa = (ack: string) =>
    ack
      .split('\r')
      .find((s) => s.startsWith('MSA'))!
      .split('|')[1];

  it.each(['DATABASE_UNAVAILABLE', 'QUEUE_UNAVAILABLE', 'RATE_LIMITED', 'VERSION_CONFLICT'] as const)(
    'an outage while planning (%s) is answered AE but not kept: the retransmission acts',
    async (code) => {
      let down = true;
      const { svc, log, ran } = service(async () => {
        if (down) throw new DomainError(code, 'not now');
        return [{ id: 'bed-1' }];
      });
      const src = { actor, correlationId: 'c', strictFacility: false };
      expect(msa(await svc.handle(a20('CTL-1'), src))).toBe('AE');
      expect(log.size).toBe(0);
      down = false;
      expect(msa(await svc.handle(a20('CTL-1'), src))).toBe('AA');
      expect(ran).toEqual(['ChangeBedStatus']);
    },
  );

  it('a refusal decided on the registry (FORBIDDEN while planning) is kept: the retransmission gets it again and acts never', async () => {
    let refuse = true;
    const { svc, log, ran } = service(async () => {
      if (refuse) throw new DomainError('FORBIDDEN', 'not your bed');
      return [{ id: 'bed-1' }];
    });
    const src = { actor, correlationId: 'c', strictFacility: false };
    const first = await svc.handle(a20('CTL-2'), src);
    expect(msa(first)).toBe('AE');
    expect(first).toContain('FORBIDDEN');
    expect(log.size).toBe(1);
    refuse = false;
    const again = await svc.handle(a20('CTL-2'), src);
    expect(msa(again)).toBe('AE');
    expect(again).toContain('FORBIDDEN');
    expect(ran).toEqual([]);
  });
});
