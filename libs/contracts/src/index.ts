export * from './referral.dto';
export * from './registry.dto';
export * from './security.dto';
