import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Actor, assertRoleFitsInstitution, InstitutionType, ROLE_INSTITUTION_TYPES } from '@bedlink/domain';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An institution's type, per process, for the role check on every request and command. The type
 * never changes (UpdateInstitution refuses it) and ids are never reused, so a known type is cached
 * for good: one query per institution per process, none after. An unknown id is not cached (it may
 * be registered a moment later).
 */
const KNOWN = new Map<string, InstitutionType>();

@Injectable()
export class InstitutionRoles {
  constructor(private readonly ds: DataSource) {}

  async typeOf(institutionId: string): Promise<InstitutionType | null> {
    const known = KNOWN.get(institutionId);
    if (known) return known;
    if (!UUID_RE.test(institutionId)) return null;
    const row = (await this.ds.query(`SELECT type FROM institutions WHERE id = $1`, [institutionId]))[0];
    if (!row) return null;
    KNOWN.set(institutionId, row.type);
    return row.type as InstitutionType;
  }

  /**
   * Refuses (ROLE_INSTITUTION_MISMATCH) an actor whose role does not belong to its institution's type
   * (DOMAIN.md roles table), whatever issued its credential. District roles and the engine pass.
   */
  async check(actor: Pick<Actor, 'role' | 'institutionId'>): Promise<void> {
    if (!actor.institutionId || ROLE_INSTITUTION_TYPES[actor.role] === null) return;
    assertRoleFitsInstitution(actor, await this.typeOf(actor.institutionId));
  }
}
