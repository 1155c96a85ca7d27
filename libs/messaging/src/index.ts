export * from './catalogue';
export * from './redis';
export * from './command-gateway';
export * from './consumers';
export * from './redis-options';
export * from './webhook-signature';
export * from './webhook-body';
export * from './live';
