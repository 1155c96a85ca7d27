import { StayEndReason } from '@bedlink/domain';
import { BedlinkCommand } from '../../command';

export interface EndStayPayload {
  patientId: string;
  reason: StayEndReason;
  /** The physical bed whose stay ends; without it and without programmeId, the bed the patient occupies. */
  bedId?: string;
  /** The home programme whose enrolment ends (a patient may be on two at once: 两床融合). */
  programmeId?: string;
  note?: string;
}

export class EndStayCommand extends BedlinkCommand<EndStayPayload> {
  static override readonly type = 'EndStay';
}
