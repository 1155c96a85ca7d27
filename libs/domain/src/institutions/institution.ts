import { DomainError } from '../shared/errors';
import { AggregateRoot } from '../shared/events';
import { BedKind, InstitutionType, KINDS_BY_INSTITUTION_TYPE, ServiceCode } from '../beds/bed-kinds';

export interface InstitutionProps {
  id: string;
  code: string;
  name: string;
  type: InstitutionType;
  districtId: string;
  address: string;
  lat: number | null;
  lng: number | null;
  services: ServiceCode[];
}

export class Institution extends AggregateRoot {
  readonly aggregateType = 'Institution' as const;
  private constructor(private p: InstitutionProps) {
    super();
  }
  static register(props: InstitutionProps, at: Date): Institution {
    const i = new Institution({ ...props });
    i.record('InstitutionRegistered', { institutionId: props.id, ...props }, at);
    return i;
  }
  static rehydrate(props: InstitutionProps, version: number): Institution {
    const i = new Institution({ ...props });
    i.version = version;
    return i;
  }
  get id(): string {
    return this.p.id;
  }
  get props(): Readonly<InstitutionProps> {
    return this.p;
  }
  mayHold(kind: BedKind): boolean {
    return KINDS_BY_INSTITUTION_TYPE[this.p.type].includes(kind);
  }
  assertMayHold(kind: BedKind): void {
    if (!this.mayHold(kind)) {
      throw new DomainError('BED_KIND_MISMATCH', `a ${this.p.type} does not hold ${kind} beds`, { institutionId: this.p.id, kind });
    }
  }
}
