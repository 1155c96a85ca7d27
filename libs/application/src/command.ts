import { AccessContext, CommandName, Referral } from '@bedlink/domain';
import { CommandContext } from './ports';

/** Every command carries its validated payload and the context it runs in (actor, ids, clock). */
export abstract class BedlinkCommand<P extends object = Record<string, unknown>> {
  /** The command's stable name (job name, permission, registry key): declared once, on its class. */
  declare static readonly type: CommandName;

  constructor(
    readonly payload: P,
    readonly ctx: CommandContext,
  ) {}

  /** This command's name, read from its class: handlers pass it to `authorize` instead of retyping it. */
  get type(): CommandName {
    return (this.constructor as typeof BedlinkCommand).type;
  }
}

/** The scoping facts of a referral, for `authorize`. */
export function referralAccess(r: Referral, offerId?: string): AccessContext {
  const p = r.props;
  return {
    districtId: p.districtId,
    originInstitutionId: p.originInstitutionId,
    offerTargetId: offerId ? (p.offers.find((o) => o.id === offerId)?.targetInstitutionId ?? null) : null,
    holderInstitutionId: r.heldReservation?.institutionId ?? r.acceptedOffer?.targetInstitutionId ?? null,
    involved: r.involvedInstitutions(),
  };
}

/** What a referral command returns to the caller: enough to render the new state without a second read. */
export function referralResult(r: Referral, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { referralId: r.id, state: r.state, version: r.version + 1, ...extra };
}
