/**
 * Preloaded (`node -r`) into the api and worker processes the bench starts, to count their work:
 * SQL statements and round trips (pg Client.query; one written behind another unanswered is no round trip), Redis commands and round trips (ioredis sendCommand; a pipeline
 * or MULTI is one round trip; the blocking waits BZPOPMIN and XREAD are left out, they repeat on
 * their own clock) and BullMQ jobs created (Queue.add / addBulk), and the event loop's busy and idle time. Every 500 ms the totals go to
 * $BENCH_COUNT_DIR/<pid>.json, which the bench reads before and after the closed loop. The counting
 * (bench/count-work.ts) is the work-budget test's, without its attribution by role.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { countWork } from './count-work';

const dir = process.env.BENCH_COUNT_DIR;
if (dir) {
  const counts = { sql: 0, sqlTrips: 0, redis: 0, redisTrips: 0, jobs: 0 };
  countWork({
    sql: (roundTrip) => {
      counts.sql++;
      if (roundTrip) counts.sqlTrips++;
    },
    redis: (_name, roundTrip) => {
      counts.redis++;
      if (roundTrip) counts.redisTrips++;
    },
    jobs: (_queue, n) => (counts.jobs += n),
  });
  const file = join(dir, `${process.pid}.json`);
  const dump = () => {
    try {
      // the event loop's time so far, busy in callbacks (on a core or not) and idle (ms): the share of a
      // window it was busy is how near the process is to being the one stage that cannot keep up
      const { active, idle } = performance.eventLoopUtilization();
      writeFileSync(file, JSON.stringify({ ...counts, loop: { active, idle } }));
    } catch {
      /* the bench reads what is there */
    }
  };
  setInterval(dump, 500).unref();
  process.once('beforeExit', dump);
}
