import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { findCommandOutcome, recordCommandFailure, rememberPendingCommand } from '../command-log';

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

/**
 * The API's one write outside a command: a command answered 202 is remembered until its result is in
 * command_log (the lost-write sweeper replays it if its job vanishes). Behind this provider so the API
 * holds no DataSource and no SQL.
 */
@Injectable()
export class PendingCommands {
  constructor(private readonly ds: DataSource) {}

  remember(c: { id: string; type: string; job: object; priority: number }): Promise<void> {
    return rememberPendingCommand(this.ds, c);
  }
}

/**
 * An HL7 v2 message refused before any command ran (an unknown patient or bed): the refusal is the
 * message's answer for good, kept under its key like a command's refusal, so a retransmission gets
 * it again instead of acting once the state it was refused on has changed. False when the key
 * already had an outcome.
 */
@Injectable()
export class MessageRefusals {
  constructor(private readonly ds: DataSource) {}

  remember(c: { id: string; type: string; actorUser: string; actorInstitution: string | null; correlationId: string; error: object }): Promise<boolean> {
    return recordCommandFailure(this.ds, c);
  }
}
