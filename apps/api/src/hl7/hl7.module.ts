import { Module } from '@nestjs/common';
import { AdtService } from './adt.service';
import { Hl7Controller } from './hl7.controller';
import { MllpListener } from './mllp.listener';

/**
 * HL7 v2 ADT over HTTP (POST /hl7/v2) and over MLLP (TCP, HL7_MLLP_PORT); CommandRunner and the read
 * side from the (global) ApiModule, PII cipher and config from InfraModule.
 */
@Module({ controllers: [Hl7Controller], providers: [AdtService, MllpListener], exports: [MllpListener] })
export class Hl7Module {}
