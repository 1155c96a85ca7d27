import { CareAssessment, HomeAddress, Sex } from '@bedlink/domain';
import { BedlinkCommand } from '../../command';

export interface RegisterPatientPayload {
  id?: string;
  residentId: string;
  name: string;
  phone?: string | null;
  sex?: Sex;
  birthDate?: string;
  assessment?: CareAssessment | null;
  hardship?: boolean;
  familyDoctorInstitutionId?: string | null;
  home?: Partial<HomeAddress> | null;
}

export class RegisterPatientCommand extends BedlinkCommand<RegisterPatientPayload> {
  static override readonly type = 'RegisterPatient';
}
