/** Two layers: pure unit specs beside the code, and integration/e2e suites in test/ on real Postgres + Redis. */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
  },
];
const moduleNameMapper = {
  '^@bedlink/(domain|application|persistence|messaging|contracts|auth|config)$': '<rootDir>/libs/$1/src',
};
const common = {
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper,
  // StrykerJS's sandbox copies of the project (npm run test:mutation) are not modules or tests of this one
  modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp/'],
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/*/src/**/*.spec.ts', '<rootDir>/scripts/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/jest-setup.ts'],
      // Test-only libraries that ship ESM only (fhir-kit-client, @apidevtools/*): swc turns them into CommonJS.
      // otplib's base32 and crypto plugins (@scure/base, @noble/hashes) are ESM only too; Node itself require()s them.
      transform: { '^.+\\.ts$': swc, '/node_modules/(fhir-kit-client|@apidevtools|@scure|@noble|@otplib)/.+\\.js$': swc },
      transformIgnorePatterns: ['/node_modules/(?!(fhir-kit-client|@apidevtools|@scure|@noble|@otplib)/)'],
      moduleNameMapper: { ...moduleNameMapper, '^fhir-kit-client$': '<rootDir>/node_modules/fhir-kit-client/dist/index.js' },
    },
  ],
};
