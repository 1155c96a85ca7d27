import { BedKind, ServiceCode, Sex } from '@bedlink/domain';
import { BedlinkCommand } from '../../command';

export interface ImportBedRow {
  ward: string;
  label: string;
  kind: BedKind;
  services?: ServiceCode[];
  sexRestriction?: Sex | null;
  minCareLevel?: number | null;
  maxCareLevel?: number | null;
  isolationCapable?: boolean;
  basicGuarantee?: boolean;
}

export interface ImportCapacityRow {
  programmeId: string;
  capacity: number;
}

/** Beds and home-programme capacities of one institution, all or nothing (CSV or a FHIR Bundle of Locations). */
export interface ImportBedsPayload {
  institutionId: string;
  beds: ImportBedRow[];
  capacities?: ImportCapacityRow[];
  /** Report what would change and change nothing. */
  dryRun?: boolean;
}

export class ImportBedsCommand extends BedlinkCommand<ImportBedsPayload> {
  static override readonly type = 'ImportBeds';
}
