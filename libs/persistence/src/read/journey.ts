import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Actor, authorizeRead, DISTRICT_ROLES, notFound } from '@bedlink/domain';
import { journeyOf, Stay } from '../journey.projector';
import { patientInvolvement } from '../patient-involvement';

/** A patient's stays across the five beds, to those with a say over the patient. */
@Injectable()
export class JourneyReads {
  constructor(private readonly ds: DataSource) {}

  async journey(actor: Actor, patientId: string): Promise<{ patientId: string; stays: Array<Stay | (Stay & { referralId: null })> }> {
    const who = await patientInvolvement((sql, params) => this.ds.query(sql, params), patientId);
    if (!who.institutions.length) throw notFound('PATIENT_NOT_FOUND', 'patient', patientId);
    // Care relationships and live involvement only; district roles within the patient's district.
    authorizeRead(
      actor,
      'ReadJourney',
      { districtId: who.districtId, involved: who.institutions },
      { code: 'PATIENT_NOT_FOUND', what: 'patient', id: patientId },
    );
    const stays = await journeyOf(this.ds.manager, patientId);
    // An institution that only registered a known resident ID sees its own stays, not where else the patient was.
    const mine = actor.institutionId;
    if (mine && !DISTRICT_ROLES.includes(actor.role) && !who.sharedRecord.includes(mine))
      return { patientId, stays: stays.filter((s) => s.institutionId === mine).map((s) => ({ ...s, referralId: null })) };
    return { patientId, stays };
  }
}
