import { assertRouteAllowed, CooperationDefault, DistrictPolicyDoc, localDay, Referral } from '@bedlink/domain';
import { Policy, Tx } from '../../ports';

/** The district policy's answer for referrals without a cooperation agreement. */
export function cooperationDefaultOf(doc: DistrictPolicyDoc): CooperationDefault {
  return doc.referral.sameDistrictWithoutAgreement ? 'SAME_DISTRICT_ALLOWED' : 'AGREEMENT_REQUIRED';
}

/** Refuses (DIRECTION_NOT_ALLOWED) any target the referral's origin may not refer to under the agreements and district policy. */
export async function assertTargetsAllowed(tx: Tx, policy: Policy, r: Referral, targetInstitutionIds: string[], now: Date = new Date()): Promise<void> {
  const p = r.props;
  const doc = await policy.forDistrict(p.districtId);
  const cooperation = cooperationDefaultOf(doc);
  const day = localDay(now, doc.calendar.utcOffset);
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
        services: p.services,
        day,
      },
      agreements,
      cooperation,
    );
  }
}
