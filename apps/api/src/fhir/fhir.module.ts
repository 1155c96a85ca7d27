import { Module } from '@nestjs/common';
import { FhirController } from './fhir.controller';
import { FhirService } from './fhir.service';

/** The FHIR R4 facade; CommandRunner and ReferralQueries come from the (global) ApiModule, DataSource from InfraModule. */
@Module({ controllers: [FhirController], providers: [FhirService] })
export class FhirModule {}
