import { CommandName } from '@bedlink/domain';
import { BedlinkCommand } from './command';
import { CommandContext } from './ports';
import { ChangeBedStatusCommand, ChangeBedStatusHandler, RegisterBedCommand, RegisterBedHandler, RegisterInstitutionCommand, RegisterInstitutionHandler } from './commands/registry.commands';
import { RegisterPatientCommand, RegisterPatientHandler } from './commands/register-patient.command';
import { AbortTransferCommand, AbortTransferHandler, CancelReferralCommand, CancelReferralHandler, DraftReferralCommand, DraftReferralHandler, ExtendOfferCommand, ExtendOfferHandler, StartTransferCommand, StartTransferHandler, SubmitReferralCommand, SubmitReferralHandler } from './commands/origin.commands';
import { AcceptOfferCommand, AcceptOfferHandler, ConfirmAdmissionCommand, ConfirmAdmissionHandler, DeclineOfferCommand, DeclineOfferHandler, RevokeAcceptanceCommand, RevokeAcceptanceHandler, ViewOfferCommand, ViewOfferHandler } from './commands/target.commands';
import { CloseReferralCommand, CloseReferralHandler, EscalateReferralCommand, EscalateReferralHandler, ExpireOfferCommand, ExpireOfferHandler, ExpireReservationCommand, ExpireReservationHandler, RerouteReferralCommand, RerouteReferralHandler } from './commands/district.commands';

import { ChangeProgrammeCapacityCommand, ChangeProgrammeCapacityHandler, RegisterAgreementCommand, RegisterAgreementHandler, RegisterProgrammeCommand, RegisterProgrammeHandler } from './commands/programme.commands';
import { SubmitSurgeCommand, SubmitSurgeHandler } from './commands/surge.command';
import { LapseReturnHoldCommand, LapseReturnHoldHandler, SetDistrictPolicyCommand, SetDistrictPolicyHandler, UpdatePatientAssessmentCommand, UpdatePatientAssessmentHandler, WarnOfferDeadlineCommand, WarnOfferDeadlineHandler } from './commands/policy.commands';
import { CreateWebhookCommand, CreateWebhookHandler, DeleteWebhookCommand, DeleteWebhookHandler, IssueApiKeyCommand, IssueApiKeyHandler, RevokeApiKeyCommand, RevokeApiKeyHandler } from './commands/credentials.commands';

type CommandClass = new (payload: any, ctx: CommandContext) => BedlinkCommand<any>;

/** Every command the engine runs, by its stable name: the worker builds commands from job names with it. */
export const COMMAND_CLASSES: Readonly<Record<CommandName, CommandClass>> = {
  RegisterInstitution: RegisterInstitutionCommand,
  RegisterBed: RegisterBedCommand,
  ChangeBedStatus: ChangeBedStatusCommand,
  RegisterPatient: RegisterPatientCommand,
  DraftReferral: DraftReferralCommand,
  SubmitReferral: SubmitReferralCommand,
  ExtendOffer: ExtendOfferCommand,
  ViewOffer: ViewOfferCommand,
  AcceptOffer: AcceptOfferCommand,
  DeclineOffer: DeclineOfferCommand,
  ExpireOffer: ExpireOfferCommand,
  RevokeAcceptance: RevokeAcceptanceCommand,
  ExpireReservation: ExpireReservationCommand,
  StartTransfer: StartTransferCommand,
  ConfirmAdmission: ConfirmAdmissionCommand,
  AbortTransfer: AbortTransferCommand,
  CancelReferral: CancelReferralCommand,
  EscalateReferral: EscalateReferralCommand,
  RerouteReferral: RerouteReferralCommand,
  CloseReferral: CloseReferralCommand,
  RegisterProgramme: RegisterProgrammeCommand,
  ChangeProgrammeCapacity: ChangeProgrammeCapacityCommand,
  RegisterAgreement: RegisterAgreementCommand,
  SubmitSurge: SubmitSurgeCommand,
  SetDistrictPolicy: SetDistrictPolicyCommand,
  UpdatePatientAssessment: UpdatePatientAssessmentCommand,
  LapseReturnHold: LapseReturnHoldCommand,
  WarnOfferDeadline: WarnOfferDeadlineCommand,
  IssueApiKey: IssueApiKeyCommand,
  RevokeApiKey: RevokeApiKeyCommand,
  CreateWebhook: CreateWebhookCommand,
  DeleteWebhook: DeleteWebhookCommand,
};

export const COMMAND_HANDLERS = [
  RegisterInstitutionHandler,
  RegisterBedHandler,
  ChangeBedStatusHandler,
  RegisterPatientHandler,
  DraftReferralHandler,
  SubmitReferralHandler,
  ExtendOfferHandler,
  ViewOfferHandler,
  AcceptOfferHandler,
  DeclineOfferHandler,
  ExpireOfferHandler,
  RevokeAcceptanceHandler,
  ExpireReservationHandler,
  StartTransferHandler,
  ConfirmAdmissionHandler,
  AbortTransferHandler,
  CancelReferralHandler,
  EscalateReferralHandler,
  RerouteReferralHandler,
  CloseReferralHandler,
  RegisterProgrammeHandler,
  ChangeProgrammeCapacityHandler,
  RegisterAgreementHandler,
  SubmitSurgeHandler,
  SetDistrictPolicyHandler,
  UpdatePatientAssessmentHandler,
  LapseReturnHoldHandler,
  WarnOfferDeadlineHandler,
  IssueApiKeyHandler,
  RevokeApiKeyHandler,
  CreateWebhookHandler,
  DeleteWebhookHandler,
];
