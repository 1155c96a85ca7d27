import { DataSource } from 'typeorm';
import { OutboxStore } from './outbox-store';

describe('OutboxStore.claim: the two values it inlines into its simple-protocol statement', () => {
  // no connection is asked for before the values are checked
  const ds = {
    createQueryRunner: () => {
      throw new Error('connected before checking');
    },
  } as unknown as DataSource;
  const store = new OutboxStore(ds);

  it.each([0, -1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1])('refuses the limit %p', async (limit) => {
    await expect(store.claim(limit)).rejects.toThrow(/claim limit must be a positive integer/);
  });

  it.each(['', '1; DROP TABLE outbox', '12 OR true', '-5', '1e3', '12345678901234567890'])('refuses the after id %p', async (after) => {
    await expect(store.claim(10, after)).rejects.toThrow(/claim after must be an outbox id/);
  });

  it('takes a count and an outbox id as they come from the relay (then asks for its connection)', async () => {
    await expect(store.claim(1000, '9223372036854775807')).rejects.toThrow(/connected before checking/);
    await expect(store.claim(1)).rejects.toThrow(/connected before checking/);
  });
});
