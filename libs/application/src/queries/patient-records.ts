import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Actor, DISTRICT_ROLES, DomainError, isAllowed, notFound, Patient, residentIdFacts } from '@bedlink/domain';
import { Clock, CLOCK, UNIT_OF_WORK, UnitOfWork } from '../ports';

export interface PatientRecord {
  id: string;
  name: string;
  residentId: string;
  phone: string | null;
  sex: string;
  birthDate: string;
  assessment: unknown;
  hardship: boolean;
}

export interface AccessPurpose {
  /** Free-text why-context (X-Access-Reason), required unless a referral justifies the access. */
  reason?: string | null;
  /** The referral on whose behalf the record is opened. */
  referralId?: string | null;
  correlationId?: string;
}

/**
 * Reads of a patient's identifiable record. The access check lives here (not in a controller),
 * and every read that succeeds appends a PatientRecordAccessed record to the patient's audit
 * chain in the same transaction that locks the patient row: no read without its trace.
 * A refused read looks exactly like an unknown patient (404): the caller learns nothing.
 */
@Injectable()
export class PatientRecords {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  read(actor: Actor, patientId: string, purpose: AccessPurpose): Promise<PatientRecord> {
    return this.open(actor, { patientId }, purpose, 'READ');
  }

  lookup(actor: Actor, residentId: string, purpose: AccessPurpose): Promise<PatientRecord> {
    return this.open(actor, { residentId }, purpose, 'LOOKUP');
  }

  private async open(actor: Actor, by: { patientId?: string; residentId?: string }, purpose: AccessPurpose, kind: 'READ' | 'LOOKUP'): Promise<PatientRecord> {
    const reason = (purpose.reason ?? '').trim() || (purpose.referralId ? `referral ${purpose.referralId}` : '');
    if (!reason) throw new DomainError('VALIDATION_FAILED', 'say why you open this record: X-Access-Reason header or ?referralId=');
    if (reason.length > 500) throw new DomainError('VALIDATION_FAILED', 'X-Access-Reason is limited to 500 characters');
    const ctx = {
      commandId: `r${randomUUID().replace(/-/g, '')}`,
      commandType: kind === 'READ' ? 'ReadPatient' : 'LookupPatient',
      actor,
      correlationId: purpose.correlationId ?? randomUUID(),
      causationId: null,
      now: this.clock.now(),
      logResult: false,
    };
    const unknown = () => notFound('PATIENT_NOT_FOUND', 'patient', by.patientId ?? 'with this resident ID');
    return this.uow.run(ctx, async (tx) => {
      const id = by.patientId ?? (await tx.findPatientByResidentId(by.residentId as string));
      if (!id) throw unknown();
      let p: Patient;
      try {
        p = await tx.getPatient(id);
      } catch {
        throw unknown();
      }
      const inv = await tx.patientInvolvement(id);
      if (!isAllowed(actor, 'ReadPatient', { districtId: inv.districtId, involved: inv.institutions })) throw unknown();
      p.recordAccess({ kind, referralId: purpose.referralId ?? null }, reason, ctx.now);
      const x = p.props;
      // An institution whose only tie is registering a resident ID the network already knew sees
      // what it supplied itself (and what the resident ID says), never what others registered.
      const mine = actor.institutionId;
      if (mine && !DISTRICT_ROLES.includes(actor.role) && !inv.sharedRecord.includes(mine)) {
        const own = (await tx.careRelationshipsOf(id, mine)).supplied;
        const facts = residentIdFacts(x.residentId);
        return {
          id: x.id,
          name: own?.name ?? '',
          residentId: x.residentId,
          phone: own?.phone ?? null,
          sex: facts.sex,
          birthDate: facts.birthDate,
          assessment: own?.assessment ?? null,
          hardship: own?.hardship ?? false,
        };
      }
      return {
        id: x.id,
        name: x.name,
        residentId: x.residentId,
        phone: x.phone,
        sex: x.sex,
        birthDate: x.birthDate,
        assessment: x.assessment,
        hardship: x.hardship,
      };
    });
  }
}
