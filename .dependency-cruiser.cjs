// Layering of the monorepo, checked by `npm run deps:check` (dependency-cruiser). Imports through the tsconfig
// `paths` aliases (@bedlink/x → libs/x/src) are resolved with tsConfig below, so an alias counts like a relative path.
// Type-only imports count too: a layer that needs another layer's types depends on it.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes load order matter (undefined at import time) and the layers meaningless.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'libs/domain is the model: it imports nothing of ours but itself (no other lib, no app, no tests).',
      from: { path: '^libs/domain/' },
      to: { path: '^(libs/(?!domain/)|apps/|test/|scripts/|bench/)' },
    },
    {
      name: 'application-only-domain',
      severity: 'error',
      comment: 'libs/application (commands, policies, ports) builds on the domain only; adapters implement its ports.',
      from: { path: '^libs/application/' },
      to: { path: '^(libs/(?!(application|domain)/)|apps/|test/|scripts/|bench/)' },
    },
    {
      name: 'contracts-only-domain',
      severity: 'error',
      comment: 'libs/contracts (HTTP DTOs) may reuse domain enums and types, nothing else of ours.',
      from: { path: '^libs/contracts/' },
      to: { path: '^(libs/(?!(contracts|domain)/)|apps/|test/|scripts/|bench/)' },
    },
    {
      name: 'config-imports-no-lib',
      severity: 'error',
      comment: 'libs/config is read by every layer, so it depends on none of them.',
      from: { path: '^libs/config/' },
      to: { path: '^(libs/(?!config/)|apps/|test/|scripts/|bench/)' },
    },
    {
      name: 'libs-never-import-apps',
      severity: 'error',
      comment: 'Libraries (persistence, messaging, auth...) are used by the apps, never the other way round.',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'production-never-imports-tests-or-tools',
      severity: 'error',
      comment: 'test/, scripts/ and bench/ may use the code; the code must not need them.',
      from: { path: '^(apps|libs)/' },
      to: { path: '^(test|scripts|bench)/' },
    },
    {
      name: 'apps-are-independent',
      severity: 'error',
      comment: 'api and worker are separate processes: what both need belongs in a lib.',
      from: { path: '^apps/(api|worker)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'console-only-domain-and-contracts',
      severity: 'error',
      comment:
        'The console is a browser bundle (Vite): besides its own files it may import pure domain modules ' +
        '(state machine, bed kinds) and contract types, never server code.',
      from: { path: '^apps/console/' },
      to: { path: '^(apps/(?!console/)|libs/(?!(domain|contracts)/)|test/|scripts/|bench/)' },
    },
    {
      name: 'console-no-node-builtins',
      severity: 'error',
      comment: 'Node built-ins (node:crypto, fs...) do not exist in the browser bundle.',
      from: { path: '^apps/console/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'api-holds-no-sql',
      severity: 'error',
      comment:
        'The API reads and writes through @bedlink/persistence providers (READ_PROVIDERS), never a DataSource, ' +
        'EntityManager or pg client of its own: SQL lives in libs/persistence, where the pitfalls are handled once.',
      from: { path: '^apps/api/' },
      to: { path: '(^|/)node_modules/(typeorm|pg|pg-pool|@nestjs/typeorm)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve is a typo or a missing dependency.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
