import { createContext, useContext } from 'react';
import { Claims } from './api';
import { T } from './i18n';

/** What every screen needs from the shell: the translator, the user's claims, navigation. */
export interface Ctx {
  t: T;
  claims: Claims;
  go: (view: string, arg?: string) => void;
}
export const AppCtx = createContext<Ctx>(null as unknown as Ctx);
export const useApp = () => useContext(AppCtx);
