import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { CLOCK, Clock, SetDistrictPolicyCommand, validatePolicy } from '@bedlink/application';
import { DomainError, SYSTEM_ACTOR } from '@bedlink/domain';
import { ENV_CONFIG, EnvConfig } from '@bedlink/config';

/**
 * Loads the district policy documents (POLICY_DIR, default config/policies) at start-up: every
 * file is validated (an invalid one stops the worker, naming the file and the bad field), and a
 * district that has no stored policy yet gets its file's, through the audited command. Later
 * changes go through PUT /districts/:id/policy; the stored document is then the truth.
 */
@Injectable()
export class PolicyBootstrap implements OnApplicationBootstrap {
  private readonly log = new Logger('Policy');
  constructor(
    private readonly bus: CommandBus,
    private readonly ds: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ENV_CONFIG) private readonly cfg: EnvConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const dir = resolve(process.cwd(), this.cfg.POLICY_DIR);
    if (!existsSync(dir)) return;
    for (const f of readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort()) {
      let doc;
      try {
        const raw = JSON.parse(readFileSync(join(dir, f), 'utf8'));
        delete raw.$schema;
        doc = validatePolicy(raw);
      } catch (e) {
        throw new Error(`policy file ${f}: ${e instanceof DomainError || e instanceof Error ? e.message : String(e)}`);
      }
      const stored = await this.ds.query(`SELECT 1 FROM district_policies WHERE district_id = $1`, [doc.districtId]);
      if (stored.length) continue;
      await this.bus
        .execute(
          new SetDistrictPolicyCommand(
            { districtId: doc.districtId, document: doc, reason: `loaded from ${f}` },
            {
              commandId: `policy-load-${doc.districtId}`,
              commandType: 'SetDistrictPolicy',
              actor: SYSTEM_ACTOR,
              correlationId: 'startup',
              causationId: null,
              now: this.clock.now(),
            },
          ),
        )
        .catch(async (e) => {
          if (e instanceof Error && e.name === 'Error' && /already executed/.test(e.message)) return;
          // Several workers start at once: the one that lost the race finds the winner's policy stored.
          if ((await this.ds.query(`SELECT 1 FROM district_policies WHERE district_id = $1`, [doc.districtId])).length) return;
          throw e;
        });
      this.log.log(`district ${doc.districtId}: policy loaded from ${f}`);
    }
  }
}
