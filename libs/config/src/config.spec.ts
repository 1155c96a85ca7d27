import { generateKeyPairSync } from 'node:crypto';
import { assertNoDemoInProduction, developmentSecretsIn, loadConfig } from './config';

const SECRET = 's'.repeat(40);
const PII = 'p'.repeat(40);
// A real Ed25519 key other than the development one: production refuses the default.
const AUDIT = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const OWN = { JWT_SECRET: SECRET, PII_KEY: PII, AUDIT_SIGNING_KEY: AUDIT };

describe('configuration: safe defaults and production refusals', () => {
  it('binds loopback and links to http://127.0.0.1:PORT unless told otherwise, and names the development secrets in use', () => {
    const cfg = loadConfig({ PORT: '4010' });
    expect(cfg.HOST).toBe('127.0.0.1');
    expect(cfg.PUBLIC_URL).toBe('http://127.0.0.1:4010');
    expect(developmentSecretsIn(cfg)).toEqual(['JWT_SECRET', 'PII_KEY', 'AUDIT_SIGNING_KEY']);
    expect(developmentSecretsIn(loadConfig(OWN))).toEqual([]);
  });

  it('prepared statements are on unless DB_PREPARED_STATEMENTS turns them off', () => {
    expect(loadConfig({}).DB_PREPARED_STATEMENTS).toBe(true);
    expect(loadConfig({ DB_PREPARED_STATEMENTS: '' }).DB_PREPARED_STATEMENTS).toBe(true);
    expect(loadConfig({ DB_PREPARED_STATEMENTS: 'false' }).DB_PREPARED_STATEMENTS).toBe(false);
    expect(loadConfig({ DB_PREPARED_STATEMENTS: '0' }).DB_PREPARED_STATEMENTS).toBe(false);
    expect(loadConfig({ DB_PREPARED_STATEMENTS: 'true' }).DB_PREPARED_STATEMENTS).toBe(true);
  });

  it('HL7 MLLP is off unless HL7_MLLP_PORT is set; its limits are validated', () => {
    expect(loadConfig({}).HL7_MLLP_PORT).toBeUndefined();
    expect(loadConfig({ HL7_MLLP_PORT: '' }).HL7_MLLP_PORT).toBeUndefined();
    expect(loadConfig({ HL7_MLLP_PORT: '2575' }).HL7_MLLP_PORT).toBe(2575);
    expect(loadConfig({}).HL7_MLLP_MAX_BYTES).toBe(1024 * 1024);
    for (const bad of [{ HL7_MLLP_PORT: 'mllp' }, { HL7_MLLP_PORT: '70000' }, { HL7_MLLP_MAX_BYTES: '10' }, { HL7_MLLP_IDLE_MS: '0' }])
      expect(() => loadConfig(bad)).toThrow(/HL7_MLLP/);
  });

  it('takes HOST and PUBLIC_URL from the environment (trailing slash dropped) and validates PUBLIC_URL', () => {
    const cfg = loadConfig({ HOST: '0.0.0.0', PUBLIC_URL: 'https://bedlink.example.org/api/' });
    expect(cfg.HOST).toBe('0.0.0.0');
    expect(cfg.PUBLIC_URL).toBe('https://bedlink.example.org/api');
    for (const bad of ['ftp://x', 'bedlink.example.org', 'https://x/?a=1', 'https://x/#f', 'javascript:alert(1)'])
      expect(() => loadConfig({ PUBLIC_URL: bad })).toThrow(/PUBLIC_URL/);
  });

  it.each([
    ['the default JWT secret', { PII_KEY: PII, AUDIT_SIGNING_KEY: AUDIT }, /JWT_SECRET: the development default/],
    ['the default PII key', { JWT_SECRET: SECRET, AUDIT_SIGNING_KEY: AUDIT }, /PII_KEY: the development default/],
    ['the default audit signing key', { JWT_SECRET: SECRET, PII_KEY: PII }, /AUDIT_SIGNING_KEY: the development default/],
    ['every default', {}, /JWT_SECRET[\s\S]*PII_KEY[\s\S]*AUDIT_SIGNING_KEY/],
  ])('production refuses %s', (_, env, message) => {
    expect(() => loadConfig({ NODE_ENV: 'production', ...env })).toThrow(message);
  });

  it('production starts with its own secrets; development and test accept the defaults', () => {
    expect(loadConfig({ NODE_ENV: 'production', ...OWN }).NODE_ENV).toBe('production');
    expect(() => loadConfig({ NODE_ENV: 'development' })).not.toThrow();
    expect(() => loadConfig({ NODE_ENV: 'test' })).not.toThrow();
  });

  it('SEED_DEMO is a boolean flag (1/true) and nothing else', () => {
    expect(loadConfig({ SEED_DEMO: '1' }).SEED_DEMO).toBe(true);
    expect(loadConfig({ SEED_DEMO: 'true' }).SEED_DEMO).toBe(true);
    expect(loadConfig({ SEED_DEMO: '0' }).SEED_DEMO).toBe(false);
    expect(loadConfig({}).SEED_DEMO).toBeUndefined();
  });

  it('production refuses a database holding the demo district unless SEED_DEMO=1; elsewhere it is fine', () => {
    const prod = loadConfig({ NODE_ENV: 'production', ...OWN });
    expect(() => assertNoDemoInProduction(prod, true)).toThrow(/SEED_DEMO: the demo district "jingan" is seeded/);
    expect(() => assertNoDemoInProduction(prod, false)).not.toThrow();
    expect(() => assertNoDemoInProduction(loadConfig({ NODE_ENV: 'production', ...OWN, SEED_DEMO: '1' }), true)).not.toThrow();
    expect(() => assertNoDemoInProduction(loadConfig({ NODE_ENV: 'development' }), true)).not.toThrow();
  });
});

describe('configuration: Redis topologies', () => {
  it('standalone by default; Sentinel and Cluster by their node lists, never both', () => {
    const plain = loadConfig({});
    expect(plain.REDIS_SENTINELS).toBeUndefined();
    expect(plain.REDIS_CLUSTER_NODES).toBeUndefined();
    const sentinel = loadConfig({ REDIS_SENTINELS: '10.0.0.1:26379,10.0.0.2:26379', REDIS_SENTINEL_NAME: 'bl' });
    expect(sentinel.REDIS_SENTINELS).toBe('10.0.0.1:26379,10.0.0.2:26379');
    expect(() => loadConfig({ REDIS_SENTINELS: '10.0.0.1' })).toThrow(/REDIS_SENTINELS/);
    expect(() => loadConfig({ REDIS_SENTINELS: 'a:1', REDIS_CLUSTER_NODES: 'b:2', QUEUE_PREFIX: '{bl}' })).toThrow(/not both/);
  });

  it('a Cluster needs a hash-tagged queue prefix, so each script keeps its keys in one slot', () => {
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000' })).toThrow(/QUEUE_PREFIX/);
    expect(loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000', QUEUE_PREFIX: '{bedlink}' }).QUEUE_PREFIX).toBe('{bedlink}');
    for (const bad of ['{a}{b}', 'a{b}', '{}', 'a:b']) expect(() => loadConfig({ QUEUE_PREFIX: bad })).toThrow(/QUEUE_PREFIX/);
  });
});
