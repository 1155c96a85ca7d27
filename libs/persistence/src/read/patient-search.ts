import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Actor, authorizeRead, DISTRICT_ROLES, DomainError } from '@bedlink/domain';
import { PiiCipher } from '../pii-cipher';
import { PII_CIPHER } from '../unit-of-work';

/** How many of its patients an institution's name search looks through (newest relationships first). */
export const NAME_SEARCH_SCAN = 5000;

/** NFKC, no surrounding or repeated spaces, lower case: 'Wang  Li ' and 'wang li' are one name. */
export const normaliseName = (s: string) => s.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();

/**
 * A name search among the patients an institution cares for (its care relationships). Names are
 * encrypted at rest, so there is no index to ask: the institution's own patients are decrypted and
 * matched here, and only their ids leave. Each match is then opened as an audited read
 * (PatientRecords), so a search leaves the same trace as opening each record. The name matched is
 * the one the institution may see: the shared record's, or what it supplied itself.
 */
@Injectable()
export class PatientSearchReads {
  constructor(
    private readonly ds: DataSource,
    @Inject(PII_CIPHER) private readonly cipher: PiiCipher,
  ) {}

  async idsByName(actor: Actor, name: string, limit = 20): Promise<string[]> {
    if (DISTRICT_ROLES.includes(actor.role) || !actor.institutionId)
      throw new DomainError('FORBIDDEN', 'a name search looks among an institution’s own patients; district roles find patients by resident ID');
    authorizeRead(actor, 'ReadPatient', { involved: [actor.institutionId] });
    const q = normaliseName(typeof name === 'string' ? name : '');
    if ([...q].length < 2) throw new DomainError('VALIDATION_FAILED', 'a name search needs at least two characters');
    const rows: { id: string; name_enc: string; shared: boolean; supplied_enc: string | null }[] = await this.ds.query(
      `SELECT p.id, p.name_enc, bool_or(c.shared_record) AS shared,
              (array_agg(c.supplied_enc) FILTER (WHERE c.supplied_enc IS NOT NULL))[1] AS supplied_enc
         FROM care_relationships c JOIN patients p ON p.id = c.patient_id
        WHERE c.institution_id = $1 AND c.ended_at IS NULL
        GROUP BY p.id, p.name_enc ORDER BY max(c.since) DESC, p.id LIMIT $2`,
      [actor.institutionId, NAME_SEARCH_SCAN],
    );
    const out: string[] = [];
    for (const r of rows) {
      const visible = r.shared ? this.cipher.decrypt(r.name_enc) : r.supplied_enc ? String(JSON.parse(this.cipher.decrypt(r.supplied_enc)).name ?? '') : '';
      if (normaliseName(visible).includes(q)) out.push(r.id);
      if (out.length >= limit) break;
    }
    return out;
  }
}
