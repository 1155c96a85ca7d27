import { InstitutionChange } from '@bedlink/domain';
import { BedlinkCommand } from '../../command';

export interface UpdateInstitutionPayload extends InstitutionChange {
  institutionId: string;
  reason?: string;
}

export class UpdateInstitutionCommand extends BedlinkCommand<UpdateInstitutionPayload> {
  static override readonly type = 'UpdateInstitution';
}
