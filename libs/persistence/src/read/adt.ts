import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What the HL7 v2 ADT endpoints look up before they issue a command: beds by the location a
 * hospital's system names (PV1-3, NPU-1), the institution a sending facility (MSH-4) names, and a
 * referral waiting for the patient. Every lookup is scoped to the caller's own institution, so a
 * message cannot learn about another institution's beds or patients: it gets "unknown" instead.
 */
@Injectable()
export class AdtReads {
  constructor(private readonly ds: DataSource) {}

  /** Beds of `institutionId` at ward + label (or by id); more than one means the location is ambiguous. */
  async bedsAt(institutionId: string, ward: string, label: string | undefined): Promise<Array<{ id: string; status: string }>> {
    if (UUID.test(ward) && !label) return this.ds.query(`SELECT id, status FROM beds WHERE institution_id = $1 AND id = $2`, [institutionId, ward]);
    return this.ds.query(`SELECT id, status FROM beds WHERE institution_id = $1 AND ward = $2 AND label = $3 ORDER BY id`, [institutionId, ward, label ?? '']);
  }

  /** The institution a sending facility names (its code or its id), if it is one of ours. */
  async institutionNamed(facility: string): Promise<{ id: string; code: string } | undefined> {
    const rows = await this.ds.query(`SELECT id, code FROM institutions WHERE code = $1 OR ($2::boolean AND id::text = lower($1))`, [
      facility,
      UUID.test(facility),
    ]);
    return rows[0];
  }

  async institutionCode(id: string): Promise<string | undefined> {
    return (await this.ds.query(`SELECT code FROM institutions WHERE id = $1`, [id]))[0]?.code;
  }

  /** The patient with this resident ID (blind index); the command that follows decides whether the caller may act on them. */
  async patientByResidentHash(residentIdHash: string): Promise<string | undefined> {
    return (await this.ds.query(`SELECT id FROM patients WHERE resident_id_hash = $1`, [residentIdHash]))[0]?.id;
  }

  /**
   * A referral in transfer whose bed hold is at `institutionId`, for the patient (by resident-ID
   * blind index): an A01 there is the referral's arrival (ConfirmAdmission), not a direct admission.
   */
  async arrivingReferral(institutionId: string, residentIdHash: string): Promise<{ referralId: string; bedId: string | null } | undefined> {
    const rows = await this.ds.query(
      `SELECT r.id AS "referralId", res.bed_id AS "bedId"
         FROM referrals r
         JOIN patients p ON p.id = r.patient_id
         JOIN reservations res ON res.referral_id = r.id AND res.state = 'HELD'
        WHERE r.state = 'IN_TRANSFER' AND p.resident_id_hash = $1 AND res.institution_id = $2`,
      [residentIdHash, institutionId],
    );
    return rows[0];
  }
}
