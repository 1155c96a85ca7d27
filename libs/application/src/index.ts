export * from './ports';
export * from './command';
export * from './catalogue';
export * from './commands';
export * from './policy/policy-schema';
export * from './queries/patient-records';
export * from './queries/referral-documents';
