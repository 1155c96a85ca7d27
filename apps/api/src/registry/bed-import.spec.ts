import { DomainError } from '@bedlink/domain';
import { BED_KIND_SYSTEM, importFromBundle, importFromCsv } from './bed-import';

describe('bed import: CSV', () => {
  it('reads beds and capacity rows, typed, empty cells left out, a BOM and CRLF tolerated', () => {
    const csv = '\uFEFFward,label,kind,services,minCareLevel,isolationCapable,programmeId,capacity\r\nW,1,COMMUNITY,REHAB; HOSPICE,2,yes,,\r\n,,,,,,p-1,7\r\n';
    expect(importFromCsv(csv)).toEqual({
      beds: [{ ward: 'W', label: '1', kind: 'COMMUNITY', services: ['REHAB', 'HOSPICE'], minCareLevel: 2, isolationCapable: true }],
      capacities: [{ programmeId: 'p-1', capacity: 7 }],
    });
  });
  it.each([
    ['an unknown column', 'ward,label,kind,colour\nW,1,COMMUNITY,red'],
    ['a capacity row with bed fields', 'ward,programmeId,capacity\nW,p-1,3'],
    ['a capacity without a programme', 'ward,label,kind,capacity\nW,1,COMMUNITY,3'],
    ['broken quoting', 'ward,label,kind\n"W,1,COMMUNITY'],
  ])('refuses %s with VALIDATION_FAILED', (_, csv) => {
    expect(() => importFromCsv(csv)).toThrow(DomainError);
  });
});

describe('bed import: FHIR Bundle', () => {
  const loc = (extra: Record<string, unknown>) => ({
    resource: {
      resourceType: 'Location',
      physicalType: { coding: [{ code: 'bd' }] },
      type: [{ coding: [{ system: BED_KIND_SYSTEM, code: 'HOSPITAL' }] }],
      managingOrganization: { reference: 'Organization/11111111-1111-4111-8111-111111111111' },
      ...extra,
    },
  });
  it('takes ward and label from partOf and identifier, or from the name as GET /fhir/Location writes it', () => {
    const b = importFromBundle({
      resourceType: 'Bundle',
      entry: [loc({ partOf: { display: 'ICU' }, identifier: [{ value: 'I-1' }] }), loc({ name: 'Neuro 5 5-01' })],
    });
    expect(b).toEqual({
      institutionId: '11111111-1111-4111-8111-111111111111',
      beds: [
        { ward: 'ICU', label: 'I-1', kind: 'HOSPITAL' },
        { ward: 'Neuro 5', label: '5-01', kind: 'HOSPITAL' },
      ],
    });
  });
  it.each([
    ['not a Bundle', { resourceType: 'Location' }],
    ['no entries', { resourceType: 'Bundle' }],
    ['a Patient', { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Patient' } }] }],
    ['a ward, not a bed', { resourceType: 'Bundle', entry: [loc({ name: 'W 1', physicalType: { coding: [{ code: 'wa' }] } })] }],
    ['no institution', { resourceType: 'Bundle', entry: [loc({ name: 'W 1', managingOrganization: undefined })] }],
    ['no name', { resourceType: 'Bundle', entry: [loc({})] }],
  ])('refuses %s', (_, bundle) => {
    expect(() => importFromBundle(bundle)).toThrow(DomainError);
  });
});
