import { Module } from '@nestjs/common';
import { FhirController } from './fhir.controller';
import { FhirService } from './fhir.service';

/** The FHIR R4 facade; CommandRunner and the read side (FhirReads, ReferralReads) come from the (global) ApiModule. */
@Module({ controllers: [FhirController], providers: [FhirService] })
export class FhirModule {}
