import { DomainError } from '../shared/errors';
import { AggregateRoot } from '../shared/events';
import { BedKind, Direction, ServiceCode } from '../beds/bed-kinds';

/**
 * A cooperation agreement (协作协议): institution `from` may refer patients to institution `to`,
 * for the listed target kinds and directions (empty list = any). One-way: the reverse direction
 * is a second agreement, as in practice (a hospital takes patients back under its own terms).
 */
export interface AgreementProps {
  id: string;
  districtId: string;
  fromInstitutionId: string;
  toInstitutionId: string;
  kinds: BedKind[];
  directions: Direction[];
  /** Services the agreement covers (empty: any): a referral needing another service is not routed by it. */
  services?: ServiceCode[];
  /** First and last calendar day (YYYY-MM-DD, the district's days) it is in force; null: open-ended. */
  validFrom?: string | null;
  validUntil?: string | null;
}

/** Is the agreement in force on `day` (YYYY-MM-DD) and does it cover these services? */
export function agreementCovers(a: AgreementProps, route: { kind: BedKind; direction: Direction; services?: readonly string[]; day?: string }): boolean {
  if (a.kinds.length && !a.kinds.includes(route.kind)) return false;
  if (a.directions.length && !a.directions.includes(route.direction)) return false;
  const scope = a.services ?? [];
  if (scope.length && (route.services ?? []).some((s) => !scope.includes(s as ServiceCode))) return false;
  if (route.day && a.validFrom && route.day < a.validFrom) return false;
  if (route.day && a.validUntil && route.day > a.validUntil) return false;
  return true;
}

export class Agreement extends AggregateRoot {
  readonly aggregateType = 'Agreement' as const;
  private constructor(private p: AgreementProps) {
    super();
  }
  static register(props: AgreementProps, at: Date): Agreement {
    if (props.fromInstitutionId === props.toInstitutionId) throw new DomainError('VALIDATION_FAILED', 'an institution needs no agreement with itself');
    if (props.validFrom && props.validUntil && props.validUntil < props.validFrom)
      throw new DomainError('VALIDATION_FAILED', 'an agreement cannot end before it starts');
    const a = new Agreement({
      ...props,
      kinds: [...props.kinds],
      directions: [...props.directions],
      services: [...(props.services ?? [])],
      validFrom: props.validFrom ?? null,
      validUntil: props.validUntil ?? null,
    });
    a.record('AgreementRegistered', { agreementId: props.id, ...props }, at);
    return a;
  }
  static rehydrate(props: AgreementProps, version: number): Agreement {
    const a = new Agreement({ ...props });
    a.version = version;
    return a;
  }
  get id(): string {
    return this.p.id;
  }
  get props(): Readonly<AgreementProps> {
    return this.p;
  }
  covers(kind: BedKind, direction: Direction): boolean {
    return (this.p.kinds.length === 0 || this.p.kinds.includes(kind)) && (this.p.directions.length === 0 || this.p.directions.includes(direction));
  }
}

/** District policy for referrals without an agreement. */
export type CooperationDefault = 'SAME_DISTRICT_ALLOWED' | 'AGREEMENT_REQUIRED';

export interface ReferralRoute {
  originInstitutionId: string;
  originDistrictId: string;
  targetInstitutionId: string;
  targetDistrictId: string;
  kind: BedKind;
  direction: Direction;
  /** The referral's required services (an agreement with a service scope must cover them all). */
  services?: readonly string[];
  /** Today in the district (YYYY-MM-DD): an agreement outside its validity routes nothing. */
  day?: string;
}

/** Is this route allowed? An agreement covering it always allows; otherwise the district default decides. */
export function routeAllowed(
  route: ReferralRoute,
  agreements: readonly AgreementProps[],
  policy: CooperationDefault,
): { allowed: boolean; byAgreement: boolean } {
  const byAgreement = agreements.some(
    (a) => a.fromInstitutionId === route.originInstitutionId && a.toInstitutionId === route.targetInstitutionId && agreementCovers(a, route),
  );
  if (byAgreement) return { allowed: true, byAgreement };
  return { allowed: policy === 'SAME_DISTRICT_ALLOWED' && route.originDistrictId === route.targetDistrictId, byAgreement: false };
}

export function assertRouteAllowed(route: ReferralRoute, agreements: readonly AgreementProps[], policy: CooperationDefault): void {
  if (!routeAllowed(route, agreements, policy).allowed) {
    throw new DomainError(
      'DIRECTION_NOT_ALLOWED',
      `no cooperation agreement lets ${route.originInstitutionId} refer ${route.direction} to ${route.targetInstitutionId} for ${route.kind}`,
      {
        originInstitutionId: route.originInstitutionId,
        targetInstitutionId: route.targetInstitutionId,
        kind: route.kind,
        direction: route.direction,
      },
    );
  }
}
