import { BedlinkCommand } from '../../command';

export class RecordFamilyRefusalCommand extends BedlinkCommand<{ referralId: string; offerId: string; text?: string | null }> {
  static override readonly type = 'RecordFamilyRefusal';
}
