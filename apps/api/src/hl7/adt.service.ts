import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Actor, BED_STATUSES, BedStatus, CommandName, DomainError, ErrorCode, StayEndReason } from '@bedlink/domain';
import { CommandGateway, CommandOutcome } from '@bedlink/messaging';
import { AdtReads, CommandLogReads, MessageRefusals, PII_CIPHER, PiiCipher, ReferralReads } from '@bedlink/persistence';
import { CommandRunner } from '../http/command-runner';
import { AckCode, buildAck, Er7Error, Er7Message, field, header, MessageHeader, parseEr7, segment, value } from './er7';

/** The ADT trigger events Bedlink acts on, and what each becomes. */
export const ADT_EVENTS = {
  A01: 'admit: ConfirmAdmission when a referral arrives in that bed, otherwise AdmitPatient (direct admission)',
  A02: 'transfer within the institution: TransferPatient',
  A03: 'discharge: StartTransfer when an accepted referral waits, otherwise EndStay (reason from PV1-36, table 0112)',
  A08: 'update: TransferPatient when PV1-3 names another bed; nothing otherwise',
  A11: 'cancel admit: CancelAdmission',
  A13: 'cancel discharge: CancelDischarge',
  A20: 'bed status update (NPU-1 bed, NPU-2 table 0116 status): ChangeBedStatus',
} as const;
export type AdtEvent = keyof typeof ADT_EVENTS;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RESIDENT_ID = /^\d{17}[\dX]$/i;

class Refusal extends Error {
  constructor(
    readonly code: AckCode,
    /** HL7 table 0357 */
    readonly hl7Code: string,
    readonly text: string,
  ) {
    super(text);
  }
}

/** Table 0357 code for a command's refusal: an unknown key where the record is unknown, else an application error. */
const HL7_CODE_OF: Partial<Record<ErrorCode, string>> = {
  PATIENT_NOT_FOUND: '204',
  STAY_NOT_FOUND: '204',
  BED_NOT_FOUND: '204',
  NOT_FOUND: '204',
  IDEMPOTENCY_KEY_REUSED: '205',
  VERSION_CONFLICT: '206',
};

/**
 * Errors that say nothing about the message (Postgres or Redis away, a rate limit, a concurrent write):
 * the sender is told AE for now, and its retransmission is planned again instead of getting that answer
 * for good.
 */
const UNDECIDED: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'DATABASE_UNAVAILABLE',
  'QUEUE_UNAVAILABLE',
  'RATE_LIMITED',
  'VERSION_CONFLICT',
  'COMMAND_FAILED',
  'SCAN_UNAVAILABLE',
]);

export interface AdtSource {
  /** Who sent it: the bearer token's actor (HTTP) or the MSH-8 API key's (MLLP). */
  actor: Actor;
  correlationId: string;
  /** MLLP: MSH-4 must name the credential's own institution (its code or id). */
  strictFacility: boolean;
}

/**
 * HL7 v2 ADT, whatever the transport: one message → at most one domain command → one ACK. Every
 * message is answered: AA done (or nothing to do), AE understood but refused (unknown bed or
 * patient, the command's refusal, with the reason), AR not processable (malformed, unsupported).
 * Nothing changes unless the answer is AA. A retransmission (same sender, same MSH-10) gets the
 * first answer and acts once: the command's idempotency key is derived from them.
 */
@Injectable()
export class AdtService {
  private readonly log = new Logger('HL7');

  constructor(
    private readonly commands: CommandRunner,
    private readonly commandLog: CommandLogReads,
    private readonly refusals: MessageRefusals,
    private readonly referrals: ReferralReads,
    private readonly adt: AdtReads,
    @Inject(PII_CIPHER) private readonly cipher: PiiCipher,
  ) {}

  /** A refusal ACK for a message that could not even be read (no header to answer). */
  static reject(text: string, hl7Code = '100', h: MessageHeader = {}): string {
    return buildAck(h, 'AR', { controlId: AdtService.ackId(), now: new Date(), text, errorCode: hl7Code });
  }
  private static ackId(): string {
    return `BL${randomBytes(8).toString('hex').toUpperCase()}`;
  }

  /** The ER7 text of one message → the ER7 text of its ACK. Never throws. */
  async handle(text: string, src: AdtSource): Promise<string> {
    let h: MessageHeader = {};
    const ack = (code: AckCode, t: string, errorCode?: string) => buildAck(h, code, { controlId: AdtService.ackId(), now: new Date(), text: t, errorCode });
    try {
      const msg = parseEr7(text);
      h = header(msg);
      if (!h.controlId) throw new Refusal('AR', '101', 'MSH-10 (message control id) is required');
      if (h.messageCode !== 'ADT') throw new Refusal('AR', '200', `message type ${h.messageCode ?? '(none)'} is not supported (ADT only)`);
      const event = h.triggerEvent as AdtEvent | undefined;
      if (!event || !(event in ADT_EVENTS))
        throw new Refusal('AR', '201', `event ${h.triggerEvent ?? '(none)'} is not supported (${Object.keys(ADT_EVENTS).join(', ')})`);
      const institutionId = src.actor.institutionId;
      if (!institutionId) throw new Refusal('AE', '207', 'ADT messages come from an institution; this credential has none');
      await this.checkFacility(h, institutionId, src.strictFacility);

      const key = `hl7:${createHash('sha256')
        .update(`${h.sendingApplication ?? ''}|${h.sendingFacility ?? ''}|${h.controlId}`)
        .digest('hex')
        .slice(0, 40)}`;
      // The command runs under the message's digest as its correlation id: a retransmission (same
      // body) gets the first answer, a control id reused for another message is refused.
      const digest = `hl7-${messageDigest(msg)}`;
      const commandId = CommandGateway.commandId(src.actor, key);
      const done: CommandOutcome | null = await this.commandLog.outcome(commandId);
      if (done && (await this.commandLog.correlationOf(commandId)) !== digest)
        throw new Refusal('AE', '205', `IDEMPOTENCY_KEY_REUSED: control id ${h.controlId} was already used for another message`);
      if (done?.ok) return ack('AA', describe(done.result));
      if (done && !done.ok) {
        // refused before any command ran (below): the same answer again, HL7 code and text included
        const kept = done.error as { message: string; hl7Code?: unknown };
        if (typeof kept.hl7Code === 'string') return ack('AE', kept.message, kept.hl7Code);
        const err = masked(event, new DomainError(done.error.code as ErrorCode, done.error.message));
        return ack('AE', `${err.code}: ${err.message}`, HL7_CODE_OF[err.code] ?? '207');
      }

      const plan = await this.plan(event, msg, src.actor, institutionId).catch(async (e: unknown) => {
        // A refusal decided on the registry's state (an unknown patient or bed, a refused lookup) is this
        // message's answer for good: kept under its key, so a retransmission that arrives after the patient
        // was admitted gets the same AE instead of acting. An AR answers the same anyway; an outage, a rate
        // limit or a write conflict (UNDECIDED) is no answer and is not kept.
        const refused = e instanceof DomainError && !UNDECIDED.has(e.code) ? masked(event, e) : undefined;
        const kept =
          e instanceof Refusal && e.code === 'AE'
            ? { code: e.hl7Code === '204' ? 'NOT_FOUND' : 'VALIDATION_FAILED', message: e.text, hl7Code: e.hl7Code }
            : refused && { code: refused.code, message: refused.message };
        if (kept)
          await this.refusals.remember({
            id: commandId,
            type: `ADT^${event}`,
            actorUser: src.actor.userId,
            actorInstitution: institutionId,
            correlationId: digest,
            error: kept,
          });
        throw e;
      });
      if ('nothing' in plan) return ack('AA', plan.nothing);
      const r = await this.commands.executeAs(plan.type, plan.payload, src.actor, { idempotencyKey: key, correlationId: digest }).catch((e: unknown) => {
        throw masked(event, e);
      });
      return ack('AA', describe(r));
    } catch (e) {
      if (e instanceof Refusal) return ack(e.code, e.text, e.hl7Code);
      if (e instanceof Er7Error) {
        // A bad segment after a good MSH: answer with its control id, so the sender can match the AR.
        h = salvageHeader(text);
        return ack('AR', e.message, e.hl7Code);
      }
      if (e instanceof DomainError) return ack('AE', `${e.code}: ${e.message}`, HL7_CODE_OF[e.code] ?? '207');
      this.log.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
      return ack('AE', 'internal error; the message was not processed', '207');
    }
  }

  /**
   * MSH-4 may not name another institution than the credential's: a hospital's key does not speak
   * for its neighbour. Over MLLP it must name the credential's own institution (code or id); over
   * HTTP, a facility code the network does not know is the HIS's own naming and passes.
   */
  private async checkFacility(h: MessageHeader, institutionId: string, strict: boolean): Promise<void> {
    const facility = h.sendingFacility?.trim();
    const named = facility ? await this.adt.institutionNamed(facility) : undefined;
    if (named && named.id !== institutionId) throw new Refusal('AR', '204', `MSH-4 names another institution (${facility}) than the credential's`);
    if (strict && !named) {
      const code = await this.adt.institutionCode(institutionId);
      throw new Refusal('AR', '204', `MSH-4 (sending facility) must be your institution's code${code ? ` (${code})` : ''}, not ${facility ?? '(empty)'}`);
    }
  }

  private async plan(
    event: AdtEvent,
    msg: Er7Message,
    actor: Actor,
    institutionId: string,
  ): Promise<{ type: CommandName; payload: object } | { nothing: string }> {
    if (event === 'A20') {
      const npu = segment(msg, 'NPU');
      if (!npu) throw new Refusal('AR', '100', 'an ADT^A20 needs an NPU segment');
      const bedId = await this.bedAt(msg, npu, 1, institutionId);
      const status = value(msg, npu, 2);
      if (!status) throw new Refusal('AR', '101', 'NPU-2 (bed status) is required');
      if (!(BED_STATUSES as readonly string[]).includes(status))
        throw new Refusal('AE', '103', `NPU-2 ${status} is not a bed status of HL7 table 0116 (${BED_STATUSES.join(', ')})`);
      return { type: 'ChangeBedStatus', payload: { bedId, toStatus: status as BedStatus, reason: 'HL7 ADT^A20' } };
    }
    const pid = segment(msg, 'PID');
    if (!pid) throw new Refusal('AR', '100', `an ADT^${event} needs a PID segment`);
    const ids = field(msg, pid, 3)
      .map((rep) => rep[0]?.trim())
      .filter((v): v is string => !!v);
    if (!ids.length) throw new Refusal('AR', '101', 'PID-3 (patient identifier list) is required');
    const residentId = ids.find((i) => RESIDENT_ID.test(i))?.toUpperCase();
    const patientId = ids.find((i) => UUID.test(i))?.toLowerCase();
    const ref = residentId ? { residentId } : patientId ? { patientId } : null;
    if (!ref) throw new Refusal('AE', '204', 'PID-3 carries neither a resident ID (18 characters) nor a Bedlink patient id');
    const pv1 = segment(msg, 'PV1');

    switch (event) {
      case 'A01': {
        if (!residentId) throw new Refusal('AE', '204', 'an admission identifies the patient by resident ID in PID-3');
        const bedId = await this.bedAt(msg, pv1, 3, institutionId);
        const arriving = await this.adt.arrivingReferral(institutionId, this.cipher.blindIndex(residentId));
        if (arriving) {
          if (arriving.bedId && arriving.bedId !== bedId)
            throw new Refusal('AE', '207', `the patient arrives under referral ${arriving.referralId} into another bed held for them; admit them there`);
          return { type: 'ConfirmAdmission', payload: { referralId: arriving.referralId } };
        }
        const family = value(msg, pid, 5, 1) ?? '';
        const given = value(msg, pid, 5, 2) ?? '';
        const sex = value(msg, pid, 8);
        const dob = /^(\d{4})(\d{2})(\d{2})/.exec(value(msg, pid, 7) ?? '');
        return {
          type: 'AdmitPatient',
          payload: {
            bedId,
            residentId,
            // Chinese names: family name then given name, without a space
            ...(family || given ? { name: /^[\x20-\x7e]*$/.test(family + given) ? `${given} ${family}`.trim() : `${family}${given}` } : {}),
            ...(sex === 'M' || sex === 'F' ? { sex } : {}),
            ...(dob ? { birthDate: `${dob[1]}-${dob[2]}-${dob[3]}` } : {}),
          },
        };
      }
      case 'A02':
        return { type: 'TransferPatient', payload: { ...ref, toBedId: await this.bedAt(msg, pv1, 3, institutionId), reason: 'HL7 ADT^A02' } };
      case 'A08': {
        if (!value(msg, pv1, 3)) return { nothing: 'nothing to update: Bedlink takes only the location (PV1-3) from an A08' };
        return { type: 'TransferPatient', payload: { ...ref, toBedId: await this.bedAt(msg, pv1, 3, institutionId), reason: 'HL7 ADT^A08' } };
      }
      case 'A11':
        return { type: 'CancelAdmission', payload: { ...ref, bedId: await this.bedAt(msg, pv1, 3, institutionId), reason: 'HL7 ADT^A11' } };
      case 'A13':
        return { type: 'CancelDischarge', payload: { ...ref, bedId: await this.bedAt(msg, pv1, 3, institutionId), reason: 'HL7 ADT^A13' } };
      case 'A03': {
        // Only the referring institution discharges towards its referral; to anyone else it does not exist.
        const referralId = await this.referrals.acceptedForDischarge(
          actor,
          patientId ? [patientId] : [],
          residentId ? [this.cipher.blindIndex(residentId)] : [],
        );
        if (referralId) return { type: 'StartTransfer', payload: { referralId } };
        // No referral waits: the stay ends here (EndStay), in the bed PV1-3 names, or wherever the
        // patient's stay at this institution is (a home-programme slot has no bed).
        const id = patientId ?? (residentId ? await this.adt.patientByResidentHash(this.cipher.blindIndex(residentId)) : undefined);
        if (!id) throw new Refusal('AE', '204', 'PATIENT_NOT_FOUND: no patient with this identifier is known');
        const bedId = value(msg, pv1, 3) ? await this.bedAt(msg, pv1, 3, institutionId) : undefined;
        return { type: 'EndStay', payload: { patientId: id, reason: stayEndOf(value(msg, pv1, 36)), ...(bedId ? { bedId } : {}), note: 'HL7 ADT^A03' } };
      }
    }
  }

  /**
   * The bed a PL field names (PV1-3 or NPU-1: point of care ^ room ^ bed): the ward is component 1,
   * the bed label component 3 (component 2 when 3 is empty); a Bedlink bed id in component 1 also
   * works. Only the caller's own beds are found: another institution's bed is unknown here.
   */
  private async bedAt(msg: Er7Message, seg: ReturnType<typeof segment>, n: number, institutionId: string): Promise<string> {
    const name = seg?.name ?? 'PV1';
    const ward = value(msg, seg, n, 1)?.trim();
    const label = (value(msg, seg, n, 3) ?? value(msg, seg, n, 2))?.trim();
    if (!ward) throw new Refusal('AR', '101', `${name}-${n} (bed location: ward^room^bed) is required`);
    const beds = await this.adt.bedsAt(institutionId, ward, label);
    const where = label ? `${ward} / ${label}` : ward;
    if (beds.length === 0) throw new Refusal('AE', '204', `unknown bed: ${where} is not a bed of your institution`);
    if (beds.length > 1) throw new Refusal('AE', '205', `ambiguous bed: ${beds.length} beds of your institution are at ${where}`);
    return beds[0].id;
  }
}

/** A discharge refused because the patient's stay is at another institution: that is not the sender's to know. */
function masked<E>(event: AdtEvent, e: E): E | DomainError {
  return event === 'A03' && e instanceof DomainError && e.code === 'FORBIDDEN'
    ? new DomainError('STAY_NOT_FOUND', 'the patient has no stay at your institution')
    : e;
}

/**
 * HL7 table 0112 (discharge disposition, PV1-36) → the reason a stay ends: 20 and 40-42 expired; 07
 * left against medical advice; a discharge or transfer to another facility (02-06, 43, 50, 51, 61-66)
 * leaves the network; anything else, or nothing, is a discharge home.
 */
export function stayEndOf(disposition: string | undefined): StayEndReason {
  const d = (disposition ?? '').padStart(2, '0');
  if (['20', '40', '41', '42'].includes(d)) return 'DECEASED';
  if (d === '07') return 'LEFT_AGAINST_ADVICE';
  if (['02', '03', '04', '05', '06', '43', '50', '51', '61', '62', '63', '64', '65', '66'].includes(d)) return 'TRANSFERRED_OUT_OF_NETWORK';
  return 'DISCHARGED_HOME';
}

/** The message's identity for retransmissions: every segment, without MSH-7 (a resend may restamp it) and MSH-8 (the credential). */
function messageDigest(m: Er7Message): string {
  const canonical = m.segments.map((seg) => (seg.name === 'MSH' ? seg.fields.map((f, i) => (i === 7 || i === 8 ? '' : f)) : seg.fields).join('|')).join('\r');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 40);
}

/** The header of a message whose body could not be read, from its first line alone; {} when that fails too. */
export function salvageHeader(text: string): MessageHeader {
  try {
    // eslint-disable-next-line no-control-regex -- the MLLP start byte (VT) is a control character
    return header(parseEr7(text.replace(/^\x0b/, '').split(/\r\n|\r|\n/)[0]));
  } catch {
    return {};
  }
}

/** The AA text: what happened, in a few words (never an identifier of the patient). */
function describe(r: Record<string, unknown>): string {
  if (typeof r.referralId === 'string') return `referral ${r.referralId} ${String(r.state)}`;
  if (r.changed === false) return `bed ${String(r.bedId)} already ${String(r.status)}: nothing changed`;
  return `bed ${String(r.bedId)} ${String(r.status)}`;
}
