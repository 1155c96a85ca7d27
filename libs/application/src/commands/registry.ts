import { Type } from '@nestjs/common';
import { ICommandHandler } from '@nestjs/cqrs';
import { CommandName } from '@bedlink/domain';
import { BedlinkCommand } from '../command';
import { CommandContext } from '../ports';
import { RegisterInstitutionCommand } from './register-institution/register-institution.command';
import { RegisterInstitutionHandler } from './register-institution/register-institution.handler';
import { RegisterBedCommand } from './register-bed/register-bed.command';
import { RegisterBedHandler } from './register-bed/register-bed.handler';
import { ChangeBedStatusCommand } from './change-bed-status/change-bed-status.command';
import { ChangeBedStatusHandler } from './change-bed-status/change-bed-status.handler';
import { RegisterPatientCommand } from './register-patient/register-patient.command';
import { RegisterPatientHandler } from './register-patient/register-patient.handler';
import { DraftReferralCommand } from './draft-referral/draft-referral.command';
import { DraftReferralHandler } from './draft-referral/draft-referral.handler';
import { SubmitReferralCommand } from './submit-referral/submit-referral.command';
import { SubmitReferralHandler } from './submit-referral/submit-referral.handler';
import { ExtendOfferCommand } from './extend-offer/extend-offer.command';
import { ExtendOfferHandler } from './extend-offer/extend-offer.handler';
import { ViewOfferCommand } from './view-offer/view-offer.command';
import { ViewOfferHandler } from './view-offer/view-offer.handler';
import { AcceptOfferCommand } from './accept-offer/accept-offer.command';
import { AcceptOfferHandler } from './accept-offer/accept-offer.handler';
import { DeclineOfferCommand } from './decline-offer/decline-offer.command';
import { DeclineOfferHandler } from './decline-offer/decline-offer.handler';
import { ExpireOfferCommand } from './expire-offer/expire-offer.command';
import { ExpireOfferHandler } from './expire-offer/expire-offer.handler';
import { RevokeAcceptanceCommand } from './revoke-acceptance/revoke-acceptance.command';
import { RevokeAcceptanceHandler } from './revoke-acceptance/revoke-acceptance.handler';
import { ExpireReservationCommand } from './expire-reservation/expire-reservation.command';
import { ExpireReservationHandler } from './expire-reservation/expire-reservation.handler';
import { StartTransferCommand } from './start-transfer/start-transfer.command';
import { StartTransferHandler } from './start-transfer/start-transfer.handler';
import { ConfirmAdmissionCommand } from './confirm-admission/confirm-admission.command';
import { ConfirmAdmissionHandler } from './confirm-admission/confirm-admission.handler';
import { AbortTransferCommand } from './abort-transfer/abort-transfer.command';
import { AbortTransferHandler } from './abort-transfer/abort-transfer.handler';
import { CancelReferralCommand } from './cancel-referral/cancel-referral.command';
import { CancelReferralHandler } from './cancel-referral/cancel-referral.handler';
import { EscalateReferralCommand } from './escalate-referral/escalate-referral.command';
import { EscalateReferralHandler } from './escalate-referral/escalate-referral.handler';
import { RerouteReferralCommand } from './reroute-referral/reroute-referral.command';
import { RerouteReferralHandler } from './reroute-referral/reroute-referral.handler';
import { CloseReferralCommand } from './close-referral/close-referral.command';
import { CloseReferralHandler } from './close-referral/close-referral.handler';
import { RegisterProgrammeCommand } from './register-programme/register-programme.command';
import { RegisterProgrammeHandler } from './register-programme/register-programme.handler';
import { ChangeProgrammeCapacityCommand } from './change-programme-capacity/change-programme-capacity.command';
import { ChangeProgrammeCapacityHandler } from './change-programme-capacity/change-programme-capacity.handler';
import { RegisterAgreementCommand } from './register-agreement/register-agreement.command';
import { RegisterAgreementHandler } from './register-agreement/register-agreement.handler';
import { SubmitSurgeCommand } from './submit-surge/submit-surge.command';
import { SubmitSurgeHandler } from './submit-surge/submit-surge.handler';
import { SetDistrictPolicyCommand } from './set-district-policy/set-district-policy.command';
import { SetDistrictPolicyHandler } from './set-district-policy/set-district-policy.handler';
import { UpdatePatientAssessmentCommand } from './update-patient-assessment/update-patient-assessment.command';
import { UpdatePatientAssessmentHandler } from './update-patient-assessment/update-patient-assessment.handler';
import { LapseReturnHoldCommand } from './lapse-return-hold/lapse-return-hold.command';
import { LapseReturnHoldHandler } from './lapse-return-hold/lapse-return-hold.handler';
import { WarnOfferDeadlineCommand } from './warn-offer-deadline/warn-offer-deadline.command';
import { WarnOfferDeadlineHandler } from './warn-offer-deadline/warn-offer-deadline.handler';
import { IssueApiKeyCommand } from './issue-api-key/issue-api-key.command';
import { IssueApiKeyHandler } from './issue-api-key/issue-api-key.handler';
import { RevokeApiKeyCommand } from './revoke-api-key/revoke-api-key.command';
import { RevokeApiKeyHandler } from './revoke-api-key/revoke-api-key.handler';
import { CreateWebhookCommand } from './create-webhook/create-webhook.command';
import { CreateWebhookHandler } from './create-webhook/create-webhook.handler';
import { DeleteWebhookCommand } from './delete-webhook/delete-webhook.command';
import { DeleteWebhookHandler } from './delete-webhook/delete-webhook.handler';
import { AdmitPatientCommand } from './admit-patient/admit-patient.command';
import { AdmitPatientHandler } from './admit-patient/admit-patient.handler';
import { TransferPatientCommand } from './transfer-patient/transfer-patient.command';
import { TransferPatientHandler } from './transfer-patient/transfer-patient.handler';
import { CancelAdmissionCommand } from './cancel-admission/cancel-admission.command';
import { CancelAdmissionHandler } from './cancel-admission/cancel-admission.handler';
import { CancelDischargeCommand } from './cancel-discharge/cancel-discharge.command';
import { CancelDischargeHandler } from './cancel-discharge/cancel-discharge.handler';
import { ImportBedsCommand } from './import-beds/import-beds.command';
import { ImportBedsHandler } from './import-beds/import-beds.handler';
import { EndStayCommand } from './end-stay/end-stay.command';
import { EndStayHandler } from './end-stay/end-stay.handler';
import { RecordPreferencesCommand } from './record-preferences/record-preferences.command';
import { RecordPreferencesHandler } from './record-preferences/record-preferences.handler';
import { RecordFamilyRefusalCommand } from './record-family-refusal/record-family-refusal.command';
import { RecordFamilyRefusalHandler } from './record-family-refusal/record-family-refusal.handler';
import { ArrangeTransportCommand } from './arrange-transport/arrange-transport.command';
import { ArrangeTransportHandler } from './arrange-transport/arrange-transport.handler';
import { FlagTransportNoShowCommand } from './flag-transport-no-show/flag-transport-no-show.command';
import { FlagTransportNoShowHandler } from './flag-transport-no-show/flag-transport-no-show.handler';
import { WaitlistReferralCommand } from './waitlist-referral/waitlist-referral.command';
import { WaitlistReferralHandler } from './waitlist-referral/waitlist-referral.handler';
import { OfferFromWaitingListCommand } from './offer-from-waiting-list/offer-from-waiting-list.command';
import { OfferFromWaitingListHandler } from './offer-from-waiting-list/offer-from-waiting-list.handler';
import { AttachDocumentCommand } from './attach-document/attach-document.command';
import { AttachDocumentHandler } from './attach-document/attach-document.handler';
import { PostMessageCommand } from './post-message/post-message.command';
import { PostMessageHandler } from './post-message/post-message.handler';
import { MarkMessagesReadCommand } from './mark-messages-read/mark-messages-read.command';
import { MarkMessagesReadHandler } from './mark-messages-read/mark-messages-read.handler';
import { UpdateInstitutionCommand } from './update-institution/update-institution.command';
import { UpdateInstitutionHandler } from './update-institution/update-institution.handler';
import { CreateUserAccountCommand } from './create-user-account/create-user-account.command';
import { CreateUserAccountHandler } from './create-user-account/create-user-account.handler';
import { AdministerUserAccountCommand } from './administer-user-account/administer-user-account.command';
import { AdministerUserAccountHandler } from './administer-user-account/administer-user-account.handler';
import { ChangeOwnPasswordCommand } from './change-own-password/change-own-password.command';
import { ChangeOwnPasswordHandler } from './change-own-password/change-own-password.handler';
import { SetOwnTotpCommand } from './set-own-totp/set-own-totp.command';
import { SetOwnTotpHandler } from './set-own-totp/set-own-totp.handler';
import { ArchiveAuditPartitionCommand } from './archive-audit-partition/archive-audit-partition.command';
import { ArchiveAuditPartitionHandler } from './archive-audit-partition/archive-audit-partition.handler';
import { MarkReserveBedCommand } from './mark-reserve-bed/mark-reserve-bed.command';
import { MarkReserveBedHandler } from './mark-reserve-bed/mark-reserve-bed.handler';
import { OpenReserveBedsCommand } from './open-reserve-beds/open-reserve-beds.command';
import { OpenReserveBedsHandler } from './open-reserve-beds/open-reserve-beds.handler';

export type CommandClass<K extends CommandName = CommandName> = (new (payload: any, ctx: CommandContext) => BedlinkCommand<any>) & { readonly type: K };

/** Everything that belongs to one command, beside its permission (PERMISSIONS in the domain) and its folder. */
export interface CommandEntry<K extends CommandName = CommandName> {
  /** Its class; the compiler holds the class's own `type` to the key it is registered under. */
  readonly command: CommandClass<K>;
  /** Its handler, decorated `@CommandHandler(command)` (commands.spec.ts checks the decorator names this class). */
  readonly handler: Type<ICommandHandler>;
}

/**
 * The one list of commands. A CommandName without an entry does not compile; the worker's job
 * names, its handler providers and the README's command list are all read from here (catalogue.ts).
 */
export const COMMANDS: { readonly [K in CommandName]: CommandEntry<K> } = {
  RegisterInstitution: { command: RegisterInstitutionCommand, handler: RegisterInstitutionHandler },
  RegisterBed: { command: RegisterBedCommand, handler: RegisterBedHandler },
  ChangeBedStatus: { command: ChangeBedStatusCommand, handler: ChangeBedStatusHandler },
  RegisterPatient: { command: RegisterPatientCommand, handler: RegisterPatientHandler },
  DraftReferral: { command: DraftReferralCommand, handler: DraftReferralHandler },
  SubmitReferral: { command: SubmitReferralCommand, handler: SubmitReferralHandler },
  ExtendOffer: { command: ExtendOfferCommand, handler: ExtendOfferHandler },
  ViewOffer: { command: ViewOfferCommand, handler: ViewOfferHandler },
  AcceptOffer: { command: AcceptOfferCommand, handler: AcceptOfferHandler },
  DeclineOffer: { command: DeclineOfferCommand, handler: DeclineOfferHandler },
  ExpireOffer: { command: ExpireOfferCommand, handler: ExpireOfferHandler },
  RevokeAcceptance: { command: RevokeAcceptanceCommand, handler: RevokeAcceptanceHandler },
  ExpireReservation: { command: ExpireReservationCommand, handler: ExpireReservationHandler },
  StartTransfer: { command: StartTransferCommand, handler: StartTransferHandler },
  ConfirmAdmission: { command: ConfirmAdmissionCommand, handler: ConfirmAdmissionHandler },
  AbortTransfer: { command: AbortTransferCommand, handler: AbortTransferHandler },
  CancelReferral: { command: CancelReferralCommand, handler: CancelReferralHandler },
  EscalateReferral: { command: EscalateReferralCommand, handler: EscalateReferralHandler },
  RerouteReferral: { command: RerouteReferralCommand, handler: RerouteReferralHandler },
  CloseReferral: { command: CloseReferralCommand, handler: CloseReferralHandler },
  RegisterProgramme: { command: RegisterProgrammeCommand, handler: RegisterProgrammeHandler },
  ChangeProgrammeCapacity: { command: ChangeProgrammeCapacityCommand, handler: ChangeProgrammeCapacityHandler },
  RegisterAgreement: { command: RegisterAgreementCommand, handler: RegisterAgreementHandler },
  SubmitSurge: { command: SubmitSurgeCommand, handler: SubmitSurgeHandler },
  SetDistrictPolicy: { command: SetDistrictPolicyCommand, handler: SetDistrictPolicyHandler },
  UpdatePatientAssessment: { command: UpdatePatientAssessmentCommand, handler: UpdatePatientAssessmentHandler },
  LapseReturnHold: { command: LapseReturnHoldCommand, handler: LapseReturnHoldHandler },
  WarnOfferDeadline: { command: WarnOfferDeadlineCommand, handler: WarnOfferDeadlineHandler },
  IssueApiKey: { command: IssueApiKeyCommand, handler: IssueApiKeyHandler },
  RevokeApiKey: { command: RevokeApiKeyCommand, handler: RevokeApiKeyHandler },
  CreateWebhook: { command: CreateWebhookCommand, handler: CreateWebhookHandler },
  DeleteWebhook: { command: DeleteWebhookCommand, handler: DeleteWebhookHandler },
  AdmitPatient: { command: AdmitPatientCommand, handler: AdmitPatientHandler },
  TransferPatient: { command: TransferPatientCommand, handler: TransferPatientHandler },
  CancelAdmission: { command: CancelAdmissionCommand, handler: CancelAdmissionHandler },
  CancelDischarge: { command: CancelDischargeCommand, handler: CancelDischargeHandler },
  ImportBeds: { command: ImportBedsCommand, handler: ImportBedsHandler },
  EndStay: { command: EndStayCommand, handler: EndStayHandler },
  RecordPreferences: { command: RecordPreferencesCommand, handler: RecordPreferencesHandler },
  RecordFamilyRefusal: { command: RecordFamilyRefusalCommand, handler: RecordFamilyRefusalHandler },
  ArrangeTransport: { command: ArrangeTransportCommand, handler: ArrangeTransportHandler },
  FlagTransportNoShow: { command: FlagTransportNoShowCommand, handler: FlagTransportNoShowHandler },
  WaitlistReferral: { command: WaitlistReferralCommand, handler: WaitlistReferralHandler },
  OfferFromWaitingList: { command: OfferFromWaitingListCommand, handler: OfferFromWaitingListHandler },
  AttachDocument: { command: AttachDocumentCommand, handler: AttachDocumentHandler },
  PostMessage: { command: PostMessageCommand, handler: PostMessageHandler },
  MarkMessagesRead: { command: MarkMessagesReadCommand, handler: MarkMessagesReadHandler },
  UpdateInstitution: { command: UpdateInstitutionCommand, handler: UpdateInstitutionHandler },
  CreateUserAccount: { command: CreateUserAccountCommand, handler: CreateUserAccountHandler },
  AdministerUserAccount: { command: AdministerUserAccountCommand, handler: AdministerUserAccountHandler },
  ChangeOwnPassword: { command: ChangeOwnPasswordCommand, handler: ChangeOwnPasswordHandler },
  SetOwnTotp: { command: SetOwnTotpCommand, handler: SetOwnTotpHandler },
  ArchiveAuditPartition: { command: ArchiveAuditPartitionCommand, handler: ArchiveAuditPartitionHandler },
  MarkReserveBed: { command: MarkReserveBedCommand, handler: MarkReserveBedHandler },
  OpenReserveBeds: { command: OpenReserveBedsCommand, handler: OpenReserveBedsHandler },
};
