import { BED_KINDS, directionOf } from '../beds/bed-kinds';
import { DomainError } from '../shared/errors';
import { Institution } from './institution';

const AT = new Date('2026-11-30T02:00:00Z');
const inst = (type: Institution['props']['type']) =>
  Institution.register({ id: 'i1', code: 'C', name: 'N', type, districtId: 'd1', address: 'a', lat: 31.2, lng: 121.4, services: ['REHAB'] }, AT);

describe('Institution', () => {
  // DOMAIN.md: hospitals hold hospital and hospice beds; community centres community, hospice and home sickbeds;
  // care institutions care-home beds and home care
  const holds = {
    REGIONAL_MEDICAL_CENTRE: ['HOSPITAL', 'HOSPICE'],
    COMMUNITY_HEALTH_CENTRE: ['COMMUNITY', 'HOSPICE', 'HOME_SICKBED'],
    ELDERLY_CARE_INSTITUTION: ['CARE_HOME', 'HOME_CARE'],
  } as const;
  it.each(Object.entries(holds))('a %s holds exactly %j', (type, kinds) => {
    const i = inst(type as Institution['props']['type']);
    for (const k of BED_KINDS) {
      expect(i.mayHold(k)).toBe((kinds as readonly string[]).includes(k));
      if ((kinds as readonly string[]).includes(k)) expect(() => i.assertMayHold(k)).not.toThrow();
      else {
        let err: unknown;
        try {
          i.assertMayHold(k);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(DomainError);
        expect(err).toMatchObject({ code: 'BED_KIND_MISMATCH', details: { institutionId: 'i1', kind: k } });
      }
    }
  });
  it('is registered with an event carrying what was registered', () => {
    const [e] = inst('COMMUNITY_HEALTH_CENTRE').pullEvents();
    expect(e).toMatchObject({
      type: 'InstitutionRegistered',
      payload: { institutionId: 'i1', code: 'C', type: 'COMMUNITY_HEALTH_CENTRE', districtId: 'd1', services: ['REHAB'] },
    });
    expect(Institution.rehydrate({ ...inst('COMMUNITY_HEALTH_CENTRE').props }, 4).version).toBe(4);
  });
});

describe('referral direction (上转 / 下转 / 平转)', () => {
  it.each([
    ['HOSPITAL', 'COMMUNITY', 'DOWNWARD'],
    ['HOSPITAL', 'CARE_HOME', 'DOWNWARD'],
    ['COMMUNITY', 'HOSPITAL', 'UPWARD'],
    ['CARE_HOME', 'HOSPITAL', 'UPWARD'],
    ['HOSPITAL', 'HOSPITAL', 'LATERAL'],
    ['COMMUNITY', 'CARE_HOME', 'LATERAL'],
    ['HOME_SICKBED', 'HOSPICE', 'LATERAL'],
  ] as const)('%s → %s is %s', (from, to, dir) => {
    expect(directionOf(from, to)).toBe(dir);
  });
});

describe('Institution.update (audited registry facts)', () => {
  const fresh = () => {
    const i = inst('COMMUNITY_HEALTH_CENTRE');
    i.pullEvents();
    return i;
  };

  it('records only what changed, from and to, and keeps its own copy of a list', () => {
    const i = fresh();
    const services = ['REHAB', 'NURSING'] as Institution['props']['services'];
    expect(i.update({ name: 'N', address: 'b', services, lat: undefined }, AT, 'moved')).toBe(true);
    const [e] = i.pullEvents();
    expect(e).toMatchObject({
      type: 'InstitutionUpdated',
      reason: 'moved',
      payload: { institutionId: 'i1', districtId: 'd1', changed: { address: { from: 'a', to: 'b' }, services: { from: ['REHAB'], to: ['REHAB', 'NURSING'] } } },
    });
    (services as string[]).push('ICU');
    expect(i.props).toMatchObject({ name: 'N', address: 'b', services: ['REHAB', 'NURSING'], lat: 31.2 });
    expect(Object.keys((e.payload as { changed: object }).changed).sort()).toEqual(['address', 'services']);
  });

  it('no change, no event; a fact never set reads as null', () => {
    const i = fresh();
    expect(i.update({ name: 'N', lat: 31.2 }, AT)).toBe(false);
    expect(i.pullEvents()).toEqual([]);
    expect(i.update({ ownership: 'PUBLIC' } as never, AT)).toBe(true);
    expect(i.pullEvents()[0].payload).toMatchObject({ changed: { ownership: { from: null, to: 'PUBLIC' } } });
  });
});
