export * from './jwt';
export * from './passwords';
