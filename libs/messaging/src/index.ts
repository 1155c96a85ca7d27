export * from './catalogue';
export * from './redis';
export * from './command-gateway';
export * from './consumers';
export * from './redis-options';
export * from './live';
