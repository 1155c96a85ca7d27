import { generateKeyPairSync } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { PRODUCTION_NODE_FLAGS } from '../bench/support';

const run = promisify(execFile);

/** No Docker engine runs here: the compose file is validated by the compose CLI, the Dockerfile by reading it. */
async function compose(args: string[], env: Record<string, string>) {
  const full = { ...process.env, ...env };
  try {
    await run('docker', ['compose', 'version'], { env: full });
    return await run('docker', ['compose', '-f', 'docker/compose.yml', ...args], { env: full });
  } catch (e) {
    if ((e as { stderr?: string }).stderr?.includes('docker/compose.yml')) throw e;
    return run('docker-compose', ['-f', 'docker/compose.yml', ...args], { env: full });
  }
}

describe('docker/', () => {
  const secrets = {
    JWT_SECRET: 'a'.repeat(40),
    PII_KEY: 'b'.repeat(40),
    REDIS_PASSWORD: 'c'.repeat(40),
    AUDIT_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };

  it('compose.yml is valid and runs postgres, redis (AOF, noeviction), a migration, api and worker with health checks', async () => {
    const { stdout } = await compose(['config'], secrets);
    for (const svc of ['postgres:', 'redis:', 'migrate:', 'api:', 'worker:']) expect(stdout).toContain(svc);
    expect(stdout).toMatch(/noeviction/);
    expect(stdout).toMatch(/appendonly/);
    expect((stdout.match(/healthcheck:/g) ?? []).length).toBeGreaterThanOrEqual(4);
    expect(stdout).toContain('service_completed_successfully');
    // Redis asks for a password and the engine's URL carries it
    expect(stdout).toMatch(/--requirepass/);
    expect(stdout).toContain(`redis://:${secrets.REDIS_PASSWORD}@redis:6379`);
  });

  it('compose refuses to start without a Redis password', async () => {
    await expect(compose(['config', '-q'], { ...secrets, REDIS_PASSWORD: '' })).rejects.toMatchObject({ stderr: expect.stringMatching(/REDIS_PASSWORD/) });
  });

  it('compose refuses to start without the secrets', async () => {
    const env = { ...secrets, JWT_SECRET: '' };
    await expect(compose(['config', '-q'], env)).rejects.toMatchObject({ stderr: expect.stringMatching(/JWT_SECRET/) });
  });

  it('the Dockerfile is multi-stage and runs as a non-root user', () => {
    const df = readFileSync('docker/Dockerfile', 'utf8');
    expect((df.match(/^FROM /gm) ?? []).length).toBeGreaterThanOrEqual(2);
    expect(df).toMatch(/^USER node$/m);
    expect(df).toMatch(/npm ci/);
    expect(df).toMatch(/HEALTHCHECK/);
  });

  it('npm start, the image, compose and the bench run the engine with the same node flags (heap cap included)', async () => {
    const { stdout } = await compose(['config'], secrets);
    const start = readFileSync('scripts/start.sh', 'utf8');
    const df = readFileSync('docker/Dockerfile', 'utf8');
    for (const flag of PRODUCTION_NODE_FLAGS) {
      expect(df).toContain(`"${flag}"`);
      expect(stdout.split(flag).length - 1).toBe(2); // api and worker
      // start.sh lets HEAP_MB change the cap; its default is the flag
      expect(start.replace('${HEAP_MB:-256}', '256')).toContain(flag);
    }
  });
});
