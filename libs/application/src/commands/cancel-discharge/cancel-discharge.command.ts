import { BedlinkCommand } from '../../command';
import { PatientRef } from '../shared/patients';

/** HL7 ADT^A13: a discharge entered in error; the patient is back in the bed they left. */
export interface CancelDischargePayload extends PatientRef {
  bedId: string;
  reason?: string;
}

export class CancelDischargeCommand extends BedlinkCommand<CancelDischargePayload> {
  static override readonly type = 'CancelDischarge';
}
