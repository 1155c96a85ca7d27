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

  /** The correlation id a finished command ran under (HL7 v2: the digest of the message, to tell a retransmission from a reused control id). */
  async correlationOf(commandId: string): Promise<string | undefined> {
    return (await this.ds.query(`SELECT correlation_id FROM command_log WHERE id = $1`, [commandId]))[0]?.correlation_id;
  }
}
