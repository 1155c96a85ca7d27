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
  /** 公立 / 民营: public or private ownership (null: not stated). */
  ownership?: Ownership | null;
}

export const OWNERSHIPS = ['PUBLIC', 'PRIVATE'] as const;
export type Ownership = (typeof OWNERSHIPS)[number];

/** What UpdateInstitution may change: never the code, the type or the district (other institutions' beds, agreements and routes rest on them). */
export type InstitutionChange = Partial<Pick<InstitutionProps, 'name' | 'address' | 'lat' | 'lng' | 'services' | 'ownership'>>;

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
  /** An audited change of the registry facts; the event carries what changed, from and to. No change, no event. */
  update(change: InstitutionChange, at: Date, reason?: string): boolean {
    const changed: Record<string, { from: unknown; to: unknown }> = {};
    for (const [k, v] of Object.entries(change) as [keyof InstitutionChange, unknown][]) {
      if (v === undefined) continue;
      const from = this.p[k] ?? null;
      if (JSON.stringify(from) === JSON.stringify(v)) continue;
      changed[k] = { from, to: v };
      (this.p as unknown as Record<string, unknown>)[k] = Array.isArray(v) ? [...v] : v;
    }
    if (!Object.keys(changed).length) return false;
    this.record('InstitutionUpdated', { institutionId: this.p.id, districtId: this.p.districtId, changed }, at, reason);
    return true;
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
