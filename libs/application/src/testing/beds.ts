import { Bed } from '@bedlink/domain';
import { DISTRICT, FakeUnitOfWork, T0 } from './fake-unit-of-work';

/** Adds a free bed to a fake world (ward W, label = id) and answers it. */
export function addBed(w: FakeUnitOfWork, id: string, institutionId: string, kind: Bed['props']['kind'] = 'HOSPITAL'): Bed {
  const bed = Bed.register(
    {
      id,
      institutionId,
      districtId: DISTRICT,
      kind,
      ward: 'W',
      label: id,
      services: [],
      sexRestriction: null,
      minCareLevel: null,
      maxCareLevel: null,
      isolationCapable: false,
      basicGuarantee: false,
    },
    T0,
  );
  bed.pullEvents();
  w.add(bed);
  return bed;
}
