import { assertRouteAllowed, Referral } from '@bedlink/domain';
import { Policy, Tx } from '../ports';

/** Refuses (DIRECTION_NOT_ALLOWED) any target the referral's origin may not refer to under the agreements and district policy. */
export async function assertTargetsAllowed(tx: Tx, policy: Policy, r: Referral, targetInstitutionIds: string[]): Promise<void> {
  const p = r.props;
  const agreements = await tx.findAgreements(p.originInstitutionId, targetInstitutionIds);
  for (const id of targetInstitutionIds) {
    const target = await tx.getInstitution(id);
    assertRouteAllowed(
      { originInstitutionId: p.originInstitutionId, originDistrictId: p.districtId, targetInstitutionId: id, targetDistrictId: target.props.districtId, kind: p.requestedKind, direction: p.direction },
      agreements,
      policy.cooperationDefault,
    );
  }
}
