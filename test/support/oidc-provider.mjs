// A local OpenID Connect identity provider for the console's browser test (oidc-provider, dev
// interactions: any login, any password). ESM only and noisy on Node 20, so the test starts it as
// its own process: node test/support/oidc-provider.mjs <port> <redirect_uri> <accounts JSON>.
// Each account's claims are the test's; "ready" on stdout once it listens.
import Provider from 'oidc-provider';

const [port, redirect, accountsJson] = process.argv.slice(2);
const accounts = JSON.parse(accountsJson);
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'bedlink-console',
      client_secret: 'bedlink-test-secret',
      redirect_uris: [redirect],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  claims: { openid: ['sub'], profile: ['name'], bedlink: ['bedlink_role', 'bedlink_institution', 'bedlink_district'] },
  scopes: ['openid', 'profile', 'bedlink'],
  cookies: { keys: ['bedlink-oidc-test-cookie-key'] },
  pkce: { required: () => true },
  async findAccount(_ctx, id) {
    const a = accounts[id];
    return { accountId: id, claims: async () => ({ sub: id, ...(a ?? {}) }) };
  },
  // the consent screen grants what the client asked for
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile bedlink');
    await grant.save();
    return grant;
  },
});
provider.listen(Number(port), '127.0.0.1', () => console.log('ready'));
