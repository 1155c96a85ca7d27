export * from './config';
export * from './logging';
export * from './audit-keys';
export * from './stages';
export * from './one-write';
