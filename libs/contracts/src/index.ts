export * from './referral.dto';
export * from './registry.dto';
export * from './webhook.dto';
export * from './responses.dto';
export * from './security.dto';
export * from './live-event';
export * from './around.dto';
export * from './thread.dto';
