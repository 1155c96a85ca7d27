// The row mappers live with their aggregate's adapter (./aggregates); re-exported here for the read side.
export {
  rowToAgreement,
  rowToAgreementProps,
  rowToBed,
  rowToInstitution,
  rowToOffer,
  rowToPatient,
  rowToProgramme,
  rowToReferral,
  rowToReservation,
} from './aggregates';
