import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { findCommandOutcome } from '../command-log';

/** A command's recorded outcome (the gateway's answer for a finished job, HL7 v2 retransmissions). */
@Injectable()
export class CommandLogReads {
  constructor(private readonly ds: DataSource) {}

  outcome(commandId: string): Promise<any> {
    return findCommandOutcome(this.ds, commandId);
  }
}
