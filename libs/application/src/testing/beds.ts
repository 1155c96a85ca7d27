import { Bed } from '@bedlink/domain';
import { FakeUnitOfWork, freeBed } from './fake-unit-of-work';

/** Adds a free bed to a fake world (ward W, label = id) and answers it. */
export function addBed(w: FakeUnitOfWork, id: string, institutionId: string, kind: Bed['props']['kind'] = 'HOSPITAL'): Bed {
  const bed = freeBed(id, institutionId, kind);
  bed.pullEvents();
  w.add(bed);
  return bed;
}
