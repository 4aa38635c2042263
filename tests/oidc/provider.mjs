// A real OpenID Connect provider for the sign-in tests: the certified `oidc-provider` package
// (pinned in package.json), on loopback, configured from a JSON file the tests write:
//
//   node provider.mjs CONFIG.json
//
// CONFIG: { port, issuer, jwks: {keys: [...private JWKs...]}, clients: [...], users: {id: {name,
// groups}}, resources: {url: {scope}} }. It prints "ready" on standard output once it listens.
// Its own login page is the package's development interaction (any password for a known
// login); a user the config does not know cannot sign in. Grants for the first-party web
// client are given without a consent screen, as a municipality's provider does for its own apps.
import { readFileSync } from 'node:fs';

import Provider, { errors } from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const users = config.users;

const provider = new Provider(config.issuer, {
  clients: config.clients,
  jwks: config.jwks,
  cookies: { keys: ['kompetenceplan-test-cookie-key'] },
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'groups', 'api'],
  claims: { openid: ['sub'], profile: ['name'], groups: ['groups'] },
  async findAccount(ctx, id) {
    const user = users[id];
    if (!user) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, name: user.name, groups: user.groups };
      },
    };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    if (!users[ctx.oidc.session.accountId]) return undefined;
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile groups');
    grant.addOIDCClaims(['sub', 'name', 'groups']);
    await grant.save();
    return grant;
  },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Log ud</title></head>
          <body><h1>Sign out from the test provider?</h1>${form}
          <button autofocus type="submit" form="op.logoutForm" value="yes" name="logout" id="logout-yes">Yes, sign me out</button></body></html>`;
      },
    },
    resourceIndicators: {
      enabled: true,
      async defaultResource(ctx, client, oneOf) {
        return oneOf || config.defaultResource;
      },
      async useGrantedResource() {
        return false;
      },
      async getResourceServerInfo(ctx, resource) {
        const known = config.resources[resource];
        if (!known) throw new errors.InvalidTarget();
        return { scope: known.scope, audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: 600, jwt: { sign: { alg: 'RS256' } } };
      },
    },
  },
  ttl: { AccessToken: 600, ClientCredentials: 600, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600, AuthorizationCode: 60 },
});
provider.proxy = false;

const server = provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write('ready\n');
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
