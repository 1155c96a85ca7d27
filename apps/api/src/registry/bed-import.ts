import { parse } from 'csv-parse/sync';
import { DomainError } from '@bedlink/domain';

/**
 * The two file forms of a bed import, turned into the JSON form (ImportBedsDto) that the one
 * validation and the ImportBeds command take. Only the shape is read here; every value is checked
 * by the DTO and the domain afterwards, with the row number in the message.
 */

export const BED_KIND_SYSTEM = 'https://bedlink.dev/fhir/CodeSystem/bed-kind';
const PHYSICAL_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/location-physical-type';

const BED_COLUMNS = ['ward', 'label', 'kind', 'services', 'sexRestriction', 'minCareLevel', 'maxCareLevel', 'isolationCapable', 'basicGuarantee'] as const;
const CAPACITY_COLUMNS = ['programmeId', 'capacity'] as const;
const INT_COLUMNS = new Set(['minCareLevel', 'maxCareLevel', 'capacity']);
const BOOL_COLUMNS = new Set(['isolationCapable', 'basicGuarantee']);

const refuse = (message: string, details?: Record<string, unknown>) => new DomainError('VALIDATION_FAILED', message, details);

/**
 * CSV with a header row. A row with `programmeId` is a capacity (programmeId, capacity); any other
 * row is a bed (ward, label, kind and the optional capabilities; services separated by `;`).
 * Empty cells are left out; numbers and booleans (true/false, 1/0, yes/no) are read as such.
 */
export function importFromCsv(text: string): { beds: Record<string, unknown>[]; capacities: Record<string, unknown>[] } {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true, max_record_size: 4096 });
  } catch (e) {
    throw refuse(`the CSV cannot be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  const known = new Set<string>([...BED_COLUMNS, ...CAPACITY_COLUMNS]);
  const header = rows.length ? Object.keys(rows[0]) : [];
  const unknown = header.filter((c) => !known.has(c));
  if (unknown.length) throw refuse(`unknown CSV columns: ${unknown.join(', ')} (known: ${[...known].join(', ')})`, { fields: unknown });
  const beds: Record<string, unknown>[] = [];
  const capacities: Record<string, unknown>[] = [];
  rows.forEach((row, i) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) {
      if (v === '') continue;
      if (k === 'services')
        out[k] = v
          .split(/[;|]/)
          .map((s) => s.trim())
          .filter(Boolean);
      else if (INT_COLUMNS.has(k)) out[k] = /^-?\d+$/.test(v) ? Number(v) : v;
      else if (BOOL_COLUMNS.has(k)) out[k] = /^(true|1|yes)$/i.test(v) ? true : /^(false|0|no)$/i.test(v) ? false : v;
      else out[k] = v;
    }
    if (out.programmeId !== undefined) {
      const extra = Object.keys(out).filter((k) => !(CAPACITY_COLUMNS as readonly string[]).includes(k));
      if (extra.length) throw refuse(`CSV line ${i + 2}: a capacity row has programmeId and capacity only, not ${extra.join(', ')}`);
      capacities.push(out);
    } else {
      if (out.capacity !== undefined) throw refuse(`CSV line ${i + 2}: capacity needs a programmeId`);
      beds.push(out);
    }
  });
  return { beds, capacities };
}

/**
 * A FHIR Bundle of bed Locations (physicalType `bd`, the bed kind as a `type` coding of the
 * bed-kind system, managingOrganization the institution). Ward and label come from `partOf.display`
 * and the first identifier, or else from `name` split at its last space, which is how GET
 * /fhir/Location names a bed, so an export can be imported elsewhere. Status is not imported: a
 * new bed starts free (U).
 */
export function importFromBundle(bundle: unknown): { institutionId: string | undefined; beds: Record<string, unknown>[] } {
  const b = bundle as { resourceType?: unknown; entry?: unknown };
  if (b?.resourceType !== 'Bundle') throw refuse('send a FHIR Bundle (resourceType Bundle) of Location resources');
  if (!Array.isArray(b.entry)) throw refuse('the Bundle has no entry array');
  const orgs = new Set<string>();
  const beds = b.entry.map((entry: unknown, i: number) => {
    const r = (entry as { resource?: Record<string, any> })?.resource;
    const at = `entry ${i + 1}`;
    if (r?.resourceType !== 'Location') throw refuse(`${at}: only Location resources are imported`);
    const physical: Array<{ system?: string; code?: string }> = r.physicalType?.coding ?? [];
    if (!physical.some((c) => c.code === 'bd' && (!c.system || c.system === PHYSICAL_TYPE_SYSTEM))) throw refuse(`${at}: physicalType must be bd (a bed)`);
    const kind = (r.type ?? [])
      .flatMap((t: { coding?: Array<{ system?: string; code?: string }> }) => t.coding ?? [])
      .find((c: { system?: string }) => c.system === BED_KIND_SYSTEM)?.code;
    const org = /^Organization\/([0-9a-f-]{36})$/i.exec(String(r.managingOrganization?.reference ?? ''))?.[1];
    if (!org) throw refuse(`${at}: managingOrganization must reference Organization/<institution id>`);
    orgs.add(org.toLowerCase());
    let ward: unknown = r.partOf?.display;
    let label: unknown = r.identifier?.[0]?.value;
    if (typeof ward !== 'string' || typeof label !== 'string') {
      const name = typeof r.name === 'string' ? r.name.trim() : '';
      const cut = name.lastIndexOf(' ');
      if (cut <= 0) throw refuse(`${at}: name the ward (partOf.display) and the bed (identifier), or give a name "<ward> <bed>"`);
      ward = name.slice(0, cut).trim();
      label = name.slice(cut + 1);
    }
    return { ward, label, ...(kind !== undefined ? { kind } : {}) };
  });
  if (orgs.size > 1) throw refuse('every Location of one import belongs to one institution (managingOrganization)');
  return { institutionId: [...orgs][0], beds };
}
