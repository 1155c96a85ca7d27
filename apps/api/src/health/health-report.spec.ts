import { publicDetails, publicHealth } from './health-report';

describe('public health report', () => {
  it('keeps up/down and numbers per dependency, drops every error text', () => {
    const terminus = {
      status: 'error',
      info: { redis: { status: 'up', commandsWaiting: 3 } },
      error: {
        database: { status: 'down', message: 'connect ECONNREFUSED 10.1.2.3:5432 (user bedlink_prod)' },
        commandQueue: { status: 'down', lagMs: 900, maxLagMs: 500, message: 'commands are waiting longer than allowed' },
      },
      details: {
        redis: { status: 'up', commandsWaiting: 3 },
        database: { status: 'down', message: 'password authentication failed for user "bedlink_prod"', stack: 'Error: at x.ts:1' },
      },
    };
    const out = publicHealth(terminus);
    expect(out).toEqual({
      status: 'error',
      info: { redis: { status: 'up', commandsWaiting: 3 } },
      error: { database: { status: 'down' }, commandQueue: { status: 'down', lagMs: 900, maxLagMs: 500 } },
      details: { redis: { status: 'up', commandsWaiting: 3 }, database: { status: 'down' } },
    });
    expect(JSON.stringify(out)).not.toMatch(/ECONNREFUSED|10\.1\.2\.3|bedlink_prod|password|stack/);
    expect(publicDetails({ redis: { status: 'weird', message: 'x' } })).toEqual({ redis: { status: 'down' } });
    expect(publicDetails(undefined)).toBeUndefined();
  });
});
