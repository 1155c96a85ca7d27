import { assertRouteAllowed, CooperationDefault, DistrictPolicyDoc, Referral } from '@bedlink/domain';
import { Policy, Tx } from '../../ports';

/** The district policy's answer for referrals without a cooperation agreement. */
export function cooperationDefaultOf(doc: DistrictPolicyDoc): CooperationDefault {
  return doc.referral.sameDistrictWithoutAgreement ? 'SAME_DISTRICT_ALLOWED' : 'AGREEMENT_REQUIRED';
}

/** Refuses (DIRECTION_NOT_ALLOWED) any target the referral's origin may not refer to under the agreements and district policy. */
export async function assertTargetsAllowed(tx: Tx, policy: Policy, r: Referral, targetInstitutionIds: string[]): Promise<void> {
  const p = r.props;
  const cooperation = cooperationDefaultOf(await policy.forDistrict(p.districtId));
  const agreements = await tx.findAgreements(p.originInstitutionId, targetInstitutionIds);
  for (const id of targetInstitutionIds) {
    const target = await tx.getInstitution(id);
    assertRouteAllowed(
      {
        originInstitutionId: p.originInstitutionId,
        originDistrictId: p.districtId,
        targetInstitutionId: id,
        targetDistrictId: target.props.districtId,
        kind: p.requestedKind,
        direction: p.direction,
      },
      agreements,
      cooperation,
    );
  }
}
