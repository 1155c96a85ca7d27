import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, Bed, BedProps, DomainError } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { ImportBedRow, ImportBedsCommand } from './import-beds.command';

const key = (r: { ward: string; label: string }) => `${r.ward}\u0000${r.label}`;
/**
 * Where an import row and an existing bed disagree, on what the row says: an attribute the row
 * leaves out (a FHIR Location carries no services) is not a disagreement.
 */
function disagreement(row: ImportBedRow, bed: BedProps): string[] {
  const said: Array<[keyof ImportBedRow, unknown, unknown]> = [
    ['kind', row.kind, bed.kind],
    ['services', row.services && [...row.services].sort().join(','), [...bed.services].sort().join(',')],
    ['sexRestriction', row.sexRestriction, bed.sexRestriction],
    ['minCareLevel', row.minCareLevel, bed.minCareLevel],
    ['maxCareLevel', row.maxCareLevel, bed.maxCareLevel],
    ['isolationCapable', row.isolationCapable, bed.isolationCapable],
    ['basicGuarantee', row.basicGuarantee, bed.basicGuarantee ?? false],
  ];
  return said.filter(([, r, b]) => r !== undefined && r !== b).map(([k]) => k);
}

/** Names the row in a refusal, so a file of a thousand lines says which one is wrong. */
function atRow(n: number, r: { ward: string; label: string }, e: unknown): never {
  if (e instanceof DomainError) throw new DomainError(e.code, `row ${n} (${r.ward} / ${r.label}): ${e.message}`, { ...e.details, row: n });
  throw e;
}

/**
 * A bed and capacity import in one transaction: every new bed registered (audited like
 * RegisterBed), every capacity changed, or nothing. A bed already there with the same ward and
 * label is left alone when it says the same, and refuses the whole import when it says something
 * else (an import never rewrites a bed behind its occupants). `dryRun` answers the same plan and
 * changes nothing. The institution's bed list is locked (Tx.bedLocations), so two imports of one
 * institution run one after the other and the second finds the first's beds; a bed registered on its
 * own meanwhile is caught by the unique (institution, ward, label) constraint, and the import refused whole.
 */
@CommandHandler(ImportBedsCommand)
export class ImportBedsHandler implements ICommandHandler<ImportBedsCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: ImportBedsCommand) {
    return this.uow.run(ctx, async (tx) => {
      const inst = await tx.getInstitution(p.institutionId);
      authorize(ctx.actor, type, { districtId: inst.props.districtId, ownInstitutionId: inst.id });
      const existing = new Map((await tx.bedLocations(inst.id)).map((b) => [key(b), b.id]));
      const seen = new Set<string>();
      const create: Array<{ row: number; ward: string; label: string; kind: string }> = [];
      const unchanged: Array<{ row: number; ward: string; label: string; bedId: string }> = [];
      const beds: Bed[] = [];
      for (const [i, r] of p.beds.entries()) {
        const n = i + 1;
        if (seen.has(key(r))) atRow(n, r, new DomainError('VALIDATION_FAILED', 'the same ward and label appear twice in the import'));
        seen.add(key(r));
        const id = existing.get(key(r));
        if (id) {
          const bed = await tx.getBed(id);
          const differs = disagreement(r, bed.props);
          if (differs.length)
            atRow(
              n,
              r,
              new DomainError(
                'ALREADY_EXISTS',
                `a bed with this ward and label exists with another ${differs.join(', ')}; change it on its own, not by import`,
                {
                  bedId: id,
                  fields: differs,
                },
              ),
            );
          unchanged.push({ row: n, ward: r.ward, label: r.label, bedId: id });
          continue;
        }
        try {
          inst.assertMayHold(r.kind);
          beds.push(
            Bed.register(
              {
                id: randomUUID(),
                institutionId: inst.id,
                districtId: inst.props.districtId,
                kind: r.kind,
                ward: r.ward,
                label: r.label,
                services: r.services ?? [],
                sexRestriction: r.sexRestriction ?? null,
                minCareLevel: r.minCareLevel ?? null,
                maxCareLevel: r.maxCareLevel ?? null,
                isolationCapable: r.isolationCapable ?? false,
                basicGuarantee: r.basicGuarantee ?? false,
              },
              ctx.now,
            ),
          );
        } catch (e) {
          atRow(n, r, e);
        }
        create.push({ row: n, ward: r.ward, label: r.label, kind: r.kind });
      }
      const capacities: Array<{ programmeId: string; from: number; to: number; used: number }> = [];
      // programmes in id order, like every multi-row lock in the engine
      const rows = [...(p.capacities ?? [])].sort((a, b) => (a.programmeId < b.programmeId ? -1 : a.programmeId > b.programmeId ? 1 : 0));
      for (const c of rows) {
        const prog = await tx.getProgramme(c.programmeId);
        if (prog.props.institutionId !== inst.id)
          throw new DomainError('FORBIDDEN', `programme ${c.programmeId} belongs to another institution`, { programmeId: c.programmeId });
        const from = prog.props.capacity;
        if (c.capacity < prog.used)
          throw new DomainError('PROGRAMME_FULL', `programme ${prog.props.name}: capacity ${c.capacity} is below the ${prog.used} slots in use`, {
            programmeId: prog.id,
            used: prog.used,
          });
        if (!p.dryRun) prog.changeCapacity(c.capacity, ctx.now, 'import');
        if (from !== c.capacity) capacities.push({ programmeId: prog.id, from, to: c.capacity, used: prog.used });
      }
      if (!p.dryRun) for (const b of beds) tx.add(b);
      return {
        institutionId: inst.id,
        dryRun: !!p.dryRun,
        applied: !p.dryRun,
        beds: { create: create.map((c, i) => ({ ...c, ...(p.dryRun ? {} : { bedId: beds[i].id }) })), unchanged },
        capacities,
      };
    });
  }
}
