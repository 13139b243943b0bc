import type { OidcSettings } from './oidc';
import type { Role } from './session';

export interface Settings {
  devSignIn: boolean;
  roles: Role[];
  oidc: OidcSettings | null;
}

/** Screens and the roles that may open them: the same roles the APIs behind them accept. */
export const SCREENS: { path: string; label: string; roles: Role[] }[] = [
  {
    path: '/worklist',
    label: 'Worklist',
    roles: ['care_manager', 'practitioner', 'billing', 'auditor', 'analyst'],
  },
  { path: '/billing', label: 'Billing month', roles: ['billing', 'auditor', 'analyst'] },
  { path: '/audit', label: 'Audit replay', roles: ['auditor'] },
  { path: '/operator', label: 'Operator', roles: ['admin'] },
];
export const PATIENT_ROLES: Role[] = ['billing', 'auditor', 'practitioner', 'care_manager'];
