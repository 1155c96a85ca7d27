import { Candidate, DomainError, Referral } from '@bedlink/domain';
import { Tx } from '../../ports';

export interface TargetRef {
  institutionId: string;
  bedId?: string | null;
  programmeId?: string | null;
}

/**
 * Turns a ranked list of named targets into candidates, checking each can take the requested
 * kind (and that a suggested bed is theirs and of that kind). First is best.
 */
export async function resolveTargets(tx: Tx, r: Referral, targets: TargetRef[]): Promise<Candidate[]> {
  const seen = new Set<string>();
  const out: Candidate[] = [];
  for (const [i, t] of targets.entries()) {
    if (seen.has(t.institutionId)) throw new DomainError('VALIDATION_FAILED', `target ${t.institutionId} is listed twice`);
    seen.add(t.institutionId);
    if (t.institutionId === r.props.originInstitutionId)
      throw new DomainError('VALIDATION_FAILED', 'a referral cannot be offered to its own origin institution');
    const inst = await tx.getInstitution(t.institutionId);
    inst.assertMayHold(r.props.requestedKind);
    if (t.bedId) {
      const bed = await tx.getBed(t.bedId);
      if (bed.props.institutionId !== inst.id) throw new DomainError('BED_NOT_AT_TARGET', 'a suggested bed belongs to another institution');
      if (bed.props.kind !== r.props.requestedKind)
        throw new DomainError('BED_KIND_MISMATCH', `a suggested bed is ${bed.props.kind}, the referral asks for ${r.props.requestedKind}`);
    }
    if (t.programmeId) {
      const prog = await tx.getProgramme(t.programmeId);
      if (prog.props.institutionId !== inst.id) throw new DomainError('BED_NOT_AT_TARGET', 'a suggested programme belongs to another institution');
      if (prog.props.kind !== r.props.requestedKind)
        throw new DomainError('BED_KIND_MISMATCH', `a suggested programme is ${prog.props.kind}, the referral asks for ${r.props.requestedKind}`);
    }
    out.push({ institutionId: inst.id, bedId: t.bedId ?? null, programmeId: t.programmeId ?? null, score: targets.length - i });
  }
  return out;
}
