import { NearKind, PreferenceSource } from '@bedlink/domain';
import { BedlinkCommand } from '../../command';

export interface RecordPreferencesPayload {
  referralId: string;
  ranked: string[];
  excluded: string[];
  near?: { of: NearKind; lat: number; lng: number } | null;
  expressedBy: PreferenceSource;
  note?: string | null;
}

export class RecordPreferencesCommand extends BedlinkCommand<RecordPreferencesPayload> {
  static override readonly type = 'RecordPreferences';
}
