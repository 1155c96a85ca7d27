import { DomainError } from '../shared/errors';
import { ageOn, assertAssessment, CareAssessment, Patient } from './patient';
import { isValidResidentId, residentIdCheckChar, residentIdFacts } from './resident-id';

const AT = new Date('2026-11-30T02:00:00Z');
const withCheck = (first17: string) => first17 + residentIdCheckChar(first17);
/** Born 1949-12-31, 17th digit 2: a woman. */
const WOMAN = withCheck('11010519491231002');
/** Born 1946-03-15, 17th digit 3: a man. */
const MAN = withCheck('31010419460315123');
const assessment = (over: Partial<CareAssessment> = {}): CareAssessment => ({
  grade: 4,
  type: 'INITIAL',
  assessedOn: '2026-10-01',
  expiresOn: '2027-10-01',
  cognitiveImpairment: false,
  ...over,
});
const register = (over: Partial<Parameters<typeof Patient.register>[0]> = {}) =>
  Patient.register({ id: 'p1', residentId: WOMAN, name: '王芳', phone: '13800138000', registeredBy: 'hosp', assessment: null, hardship: false, ...over }, AT);
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof DomainError ? e.code : `not a DomainError: ${String(e)}`;
  }
  return 'no error';
};

describe('resident identity numbers (GB 11643)', () => {
  it('accepts a number whose check character matches, refuses any other check character', () => {
    expect(isValidResidentId(WOMAN)).toBe(true);
    for (const c of '0123456789X') if (c !== WOMAN[17]) expect(isValidResidentId(WOMAN.slice(0, 17) + c)).toBe(false);
  });
  it('knows the check characters of published examples, X included', () => {
    expect(residentIdCheckChar('11010519491231002')).toBe('X');
    expect(residentIdCheckChar('44052418800101001')).toBe('4');
  });
  it('refuses a wrong length, letters, a lowercase x and impossible birth dates', () => {
    expect(isValidResidentId(WOMAN.slice(0, 17))).toBe(false);
    expect(isValidResidentId(WOMAN + '1')).toBe(false);
    expect(isValidResidentId('A' + WOMAN.slice(1))).toBe(false);
    expect(isValidResidentId('11010519491231002x')).toBe(false);
    expect(isValidResidentId(withCheck('11010519490230002'))).toBe(false); // 30 February
    expect(isValidResidentId(withCheck('11010519491301002'))).toBe(false); // month 13
    expect(isValidResidentId(withCheck('11010518790101002'))).toBe(false); // before 1880
    expect(isValidResidentId(withCheck('11010518800101002'))).toBe(true); // 1880 itself
    expect(isValidResidentId(withCheck('11010520000229002'))).toBe(true); // a leap day
  });
  it('reads the birth date and the sex (odd 17th digit: male)', () => {
    expect(residentIdFacts(WOMAN)).toEqual({ birthDate: '1949-12-31', sex: 'F' });
    expect(residentIdFacts(MAN)).toEqual({ birthDate: '1946-03-15', sex: 'M' });
  });
});

describe('Patient', () => {
  it('is registered with sex and birth date from the number, and an event that carries neither name nor number', () => {
    const p = register({ assessment: assessment({ grade: 3 }) });
    expect(p.props).toMatchObject({ sex: 'F', birthDate: '1949-12-31' });
    const [e] = p.pullEvents();
    expect(e).toMatchObject({ type: 'PatientRegistered', payload: { patientId: 'p1', sex: 'F', birthYear: 1949, registeredBy: 'hosp', careGrade: 3 } });
    expect(JSON.stringify(e.payload)).not.toMatch(/王芳|13800138000|110105/);
    expect(register().pullEvents()[0].payload).toMatchObject({ careGrade: null });
  });
  it('keeps a sex or birth date given explicitly', () => {
    expect(register({ sex: 'M', birthDate: '1950-01-01' }).props).toMatchObject({ sex: 'M', birthDate: '1950-01-01' });
  });
  it('refuses an invalid resident id and an invalid assessment', () => {
    expect(code(() => register({ residentId: WOMAN.slice(0, 17) + '0' }))).toBe('INVALID_RESIDENT_ID');
    expect(code(() => register({ assessment: assessment({ grade: 7 }) }))).toBe('VALIDATION_FAILED');
  });
  it('starts with one care relationship, the registrant sharing the record; later ones are handed over once', () => {
    const p = register();
    expect(p.takeNewRelationships()).toEqual([{ institutionId: 'hosp', kind: 'REGISTERED', sharedRecord: true, supplied: null }]);
    expect(p.takeNewRelationships()).toEqual([]);
    p.pullEvents();
    p.addCareRelationship({ institutionId: 'cc1', kind: 'RECEIVED', sharedRecord: true, supplied: null }, AT);
    expect(p.takeNewRelationships()).toEqual([{ institutionId: 'cc1', kind: 'RECEIVED', sharedRecord: true, supplied: null }]);
    expect(p.pullEvents().map((e) => [e.type, e.payload])).toEqual([
      ['CareRelationshipAdded', { patientId: 'p1', institutionId: 'cc1', kind: 'RECEIVED', sharedRecord: true }],
    ]);
  });
  it('refuses a care relationship whose supplied assessment is invalid', () => {
    const p = register();
    const supplied = { name: 'x', phone: null, assessment: assessment({ expiresOn: '2026-09-30' }), hardship: false };
    expect(code(() => p.addCareRelationship({ institutionId: 'cc2', kind: 'REGISTERED', sharedRecord: false, supplied }, AT))).toBe('VALIDATION_FAILED');
  });
  it('updates the assessment; hardship changes only when given', () => {
    const p = register({ hardship: true });
    p.pullEvents();
    p.updateAssessment(assessment({ grade: 5, type: 'ONGOING', cognitiveImpairment: true }), undefined, 'u1', AT);
    expect(p.props.assessment).toMatchObject({ grade: 5, type: 'ONGOING' });
    expect(p.props.hardship).toBe(true);
    p.updateAssessment(assessment({ grade: 2 }), false, 'u1', AT);
    expect(p.props.hardship).toBe(false);
    expect(p.pullEvents().map((e) => e.payload)).toEqual([
      {
        patientId: 'p1',
        grade: 5,
        type: 'ONGOING',
        assessedOn: '2026-10-01',
        expiresOn: '2027-10-01',
        cognitiveImpairment: true,
        hardship: true,
        updatedBy: 'u1',
      },
      {
        patientId: 'p1',
        grade: 2,
        type: 'INITIAL',
        assessedOn: '2026-10-01',
        expiresOn: '2027-10-01',
        cognitiveImpairment: false,
        hardship: false,
        updatedBy: 'u1',
      },
    ]);
    expect(code(() => p.updateAssessment(assessment({ grade: -1 }), undefined, 'u1', AT))).toBe('VALIDATION_FAILED');
    expect(p.props.assessment?.grade).toBe(2);
  });
  it('records who opened the record and why, without identifiers', () => {
    const p = register();
    p.pullEvents();
    p.recordAccess({ kind: 'LOOKUP' }, 'admission check', AT);
    p.recordAccess({ kind: 'READ', referralId: 'r1' }, 'ward round', AT);
    expect(p.pullEvents().map((e) => [e.type, e.payload, e.reason])).toEqual([
      ['PatientRecordAccessed', { patientId: 'p1', access: 'LOOKUP', referralId: null }, 'admission check'],
      ['PatientRecordAccessed', { patientId: 'p1', access: 'READ', referralId: 'r1' }, 'ward round'],
    ]);
  });
  it('is a year older on the birthday itself, not the day before', () => {
    expect(ageOn('1949-12-31', new Date('2026-12-30T12:00:00Z'))).toBe(76);
    expect(ageOn('1949-12-31', new Date('2026-12-31T00:00:00Z'))).toBe(77);
    expect(ageOn('1950-03-15', new Date('2026-02-20T00:00:00Z'))).toBe(75);
    expect(ageOn('1950-03-15', new Date('2026-04-01T00:00:00Z'))).toBe(76);
    expect(register().ageOn(new Date('2026-12-31T00:00:00Z'))).toBe(77);
  });
});

describe('care assessments', () => {
  it.each([
    [0, true],
    [6, true],
    [-1, false],
    [7, false],
    [2.5, false],
  ])('grade %p valid: %p', (grade, valid) => {
    expect(code(() => assertAssessment(assessment({ grade })))).toBe(valid ? 'no error' : 'VALIDATION_FAILED');
  });
  it('may expire the day it was made, not before', () => {
    expect(code(() => assertAssessment(assessment({ assessedOn: '2026-10-01', expiresOn: '2026-10-01' })))).toBe('no error');
    expect(code(() => assertAssessment(assessment({ assessedOn: '2026-10-01', expiresOn: '2026-09-30' })))).toBe('VALIDATION_FAILED');
  });
});
