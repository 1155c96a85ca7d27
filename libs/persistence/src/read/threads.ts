import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Actor, authorize, authorizeRead, DomainError, liveInvolvement, notFound } from '@bedlink/domain';

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

export interface DocumentRow {
  documentId: string;
  filename: string;
  mediaType: string;
  size: number;
  sha256: string;
  description: string | null;
  uploadedBy: string;
  uploadedAt: string;
}

export interface MessageRow {
  messageId: string;
  seq: number;
  targetInstitutionId: string;
  fromInstitutionId: string;
  toInstitutionId: string;
  offerId: string | null;
  kind: string;
  text: string;
  sentBy: string;
  sentAt: string;
  readAt: string | null;
  readBy: string | null;
}

/**
 * The files and threads of a referral, for those live-involved in it (the origin, targets whose
 * offer is live or accepted, the holder). Everyone else, a target whose offer ended included,
 * gets the 404 of an unknown referral. A target sees only its own thread.
 */
@Injectable()
export class ThreadReads {
  constructor(private readonly ds: DataSource) {}

  /**
   * The referral's scoping facts, or the 404 a stranger gets. `AttachDocument` is the upload's
   * check before a byte is stored: a command, so 403 like the command itself would answer.
   */
  async access(
    actor: Actor,
    referralId: string,
    query: 'ReadDocument' | 'ReadMessages' | 'AttachDocument',
  ): Promise<{ originInstitutionId: string; districtId: string; patientId: string }> {
    const [r] = await this.ds.query(
      `SELECT r.id, r.origin_institution_id, r.district_id, r.patient_id,
              (SELECT coalesce(json_agg(json_build_object('targetInstitutionId', o.target_institution_id, 'state', o.state)), '[]') FROM offers o WHERE o.referral_id = r.id) AS offers,
              (SELECT coalesce(json_agg(json_build_object('institutionId', x.institution_id, 'state', x.state)), '[]') FROM reservations x WHERE x.referral_id = r.id) AS reservations
         FROM referrals r WHERE r.id = $1`,
      [referralId],
    );
    if (!r) throw notFound('REFERRAL_NOT_FOUND', 'referral', referralId);
    const involved = liveInvolvement({ originInstitutionId: r.origin_institution_id, offers: r.offers, reservations: r.reservations });
    const ctx = { districtId: r.district_id, originInstitutionId: r.origin_institution_id, involved };
    if (query === 'AttachDocument') authorize(actor, query, ctx);
    else authorizeRead(actor, query, ctx, { code: 'REFERRAL_NOT_FOUND', what: 'referral', id: referralId });
    return { originInstitutionId: r.origin_institution_id, districtId: r.district_id, patientId: r.patient_id };
  }

  async documents(actor: Actor, referralId: string): Promise<DocumentRow[]> {
    await this.access(actor, referralId, 'ReadDocument');
    const rows = await this.ds.query(`SELECT * FROM referral_documents WHERE referral_id = $1 ORDER BY uploaded_at, id`, [referralId]);
    return rows.map((d: any): DocumentRow => ({
      documentId: d.id,
      filename: d.filename,
      mediaType: d.media_type,
      size: Number(d.size),
      sha256: d.sha256,
      description: d.description,
      uploadedBy: d.uploaded_by,
      uploadedAt: iso(d.uploaded_at)!,
    }));
  }

  /** The origin reads every thread (or one, `target`); a target only its own. */
  async messages(actor: Actor, referralId: string, target?: string): Promise<MessageRow[]> {
    const r = await this.access(actor, referralId, 'ReadMessages');
    const mine = actor.institutionId;
    if (!mine) throw new DomainError('FORBIDDEN', 'no institution on this token');
    const thread = mine === r.originInstitutionId ? (target ?? null) : mine;
    const rows = await this.ds.query(
      `SELECT * FROM referral_messages WHERE referral_id = $1 AND ($2::uuid IS NULL OR target_institution_id = $2::uuid) ORDER BY seq`,
      [referralId, thread],
    );
    return rows.map((m: any): MessageRow => ({
      messageId: m.id,
      seq: Number(m.seq),
      targetInstitutionId: m.target_institution_id,
      fromInstitutionId: m.from_institution_id,
      toInstitutionId: m.to_institution_id,
      offerId: m.offer_id,
      kind: m.kind,
      text: m.text,
      sentBy: m.sent_by,
      sentAt: iso(m.sent_at)!,
      readAt: iso(m.read_at),
      readBy: m.read_by,
    }));
  }

  /** One message, for the FHIR Communication read (same access rules as the thread). */
  async message(actor: Actor, messageId: string): Promise<(MessageRow & { referralId: string; patientId: string }) | null> {
    const [m] = await this.ds.query(`SELECT referral_id FROM referral_messages WHERE id = $1`, [messageId]);
    if (!m) return null;
    let r;
    try {
      r = await this.access(actor, m.referral_id, 'ReadMessages');
    } catch {
      return null;
    }
    const found = (await this.messages(actor, m.referral_id)).find((x) => x.messageId === messageId);
    return found ? { ...found, referralId: m.referral_id, patientId: r.patientId } : null;
  }

  /** One document's metadata, for the FHIR DocumentReference read (not a download: no audit). */
  async document(actor: Actor, documentId: string): Promise<(DocumentRow & { referralId: string; patientId: string; originInstitutionId: string }) | null> {
    const [d] = await this.ds.query(`SELECT referral_id FROM referral_documents WHERE id = $1`, [documentId]);
    if (!d) return null;
    let r;
    try {
      r = await this.access(actor, d.referral_id, 'ReadDocument');
    } catch {
      return null;
    }
    const found = (await this.documents(actor, d.referral_id)).find((x) => x.documentId === documentId);
    return found ? { ...found, referralId: d.referral_id, patientId: r.patientId, originInstitutionId: r.originInstitutionId } : null;
  }
}
