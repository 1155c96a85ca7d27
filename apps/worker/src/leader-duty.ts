import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ENV_CONFIG, EnvConfig } from '@bedlink/config';
import { LeaderElection } from './leader';

/**
 * A periodic database duty of the leader (one worker runs it, not all), off when its interval is 0:
 * the wiring the retention pruner and the audit checkpointer share. A subclass names the duty, its
 * interval and one run; it declares no constructor of its own (Nest injects through this one).
 */
@Injectable()
export abstract class LeaderDuty implements OnModuleInit {
  constructor(
    protected readonly ds: DataSource,
    @Inject(ENV_CONFIG) protected readonly cfg: EnvConfig,
    private readonly leader: LeaderElection,
  ) {}

  /** The duty's name for the leader and how often it runs (0: never). */
  protected abstract schedule(): { name: string; everyMs: number };

  /** One run, on the leader only. */
  protected abstract runOnce(): Promise<void>;

  /** False when this configuration cannot run the duty (the subclass says why in its log). */
  protected canRun(): boolean {
    return true;
  }

  onModuleInit(): void {
    const { name, everyMs } = this.schedule();
    if (!everyMs || !this.canRun()) return;
    this.leader.register({ name, everyMs, startNow: false, run: () => this.runOnce() });
  }
}
