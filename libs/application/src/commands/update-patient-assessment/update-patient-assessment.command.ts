import { CareAssessment } from '@bedlink/domain';
import { BedlinkCommand } from '../../command';

export interface UpdateAssessmentPayload {
  patientId: string;
  assessment: CareAssessment;
  hardship?: boolean;
}

export class UpdatePatientAssessmentCommand extends BedlinkCommand<UpdateAssessmentPayload> {
  static override readonly type = 'UpdatePatientAssessment';
}
