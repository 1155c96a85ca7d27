import { Module } from '@nestjs/common';
import { Hl7Controller } from './hl7.controller';

/** HL7 v2 triggers over HTTP; CommandRunner and the read side from the (global) ApiModule, PII cipher from InfraModule. */
@Module({ controllers: [Hl7Controller] })
export class Hl7Module {}
