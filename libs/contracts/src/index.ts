export * from './referral.dto';
export * from './registry.dto';
