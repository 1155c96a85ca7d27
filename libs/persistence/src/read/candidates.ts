import { Inject, Injectable, Optional } from '@nestjs/common';
import { PiiCipher } from '../pii-cipher';
import { PII_CIPHER } from '../unit-of-work';
import { DataSource } from 'typeorm';
import { Actor, authorizeRead, notFound, preferenceFacts } from '@bedlink/domain';
import { cooperationDefaultOf, POLICY, Policy } from '@bedlink/application';
import { findCandidates, needsOfReferral } from '../matching/find-candidates';
import { rowToReferral } from '../mappers';

/** Ranked places for a referral, with every factor's score explained (to its origin and district). */
@Injectable()
export class CandidateReads {
  constructor(
    private readonly ds: DataSource,
    @Inject(POLICY) private readonly policy: Policy,
    @Optional() @Inject(PII_CIPHER) private readonly cipher?: PiiCipher,
  ) {}

  async candidates(actor: Actor, referralId: string, limit: number) {
    const rows = await this.ds.query(`SELECT * FROM referrals WHERE id = $1`, [referralId]);
    if (!rows.length) throw notFound('REFERRAL_NOT_FOUND', 'referral', referralId);
    const r = rowToReferral({ ...rows[0], offers: [], reservations: [] });
    authorizeRead(
      actor,
      'ReadCandidates',
      { districtId: r.props.districtId, originInstitutionId: r.props.originInstitutionId },
      { code: 'REFERRAL_NOT_FOUND', what: 'referral', id: referralId },
    );
    const started = process.hrtime.bigint();
    const candidates = await findCandidates(
      this.ds,
      await needsOfReferral(this.ds, r, cooperationDefaultOf(await this.policy.forDistrict(r.props.districtId)), this.cipher),
      limit,
    );
    // what the family asked for, beside the ranking that honours it (the location itself stays out)
    return {
      referralId,
      kind: r.props.requestedKind,
      tookMs: Number(process.hrtime.bigint() - started) / 1e6,
      preferences: preferenceFacts(r.preferences),
      candidates,
    };
  }
}
