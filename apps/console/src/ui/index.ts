/** Shared pieces of the screens: feedback (errors, loading, states, time), form controls, layout. */
export * from './feedback';
export * from './form';
export * from './layout';
export * from './csv';
