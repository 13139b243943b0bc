/** Injection token of the app's {@link EventStore}. */
export const EVENT_STORE = Symbol('CARE_API_EVENT_STORE');
/** Injection token of the clock: returns the current instant as an ISO string (UTC). */
export const CLOCK = Symbol('CARE_API_CLOCK');
/** A clock; injected so that tests and replays never depend on the wall clock inside the domain. */
export type Clock = () => string;
/** Injection token of the billing office (month close and reopen, issue 16). */
export const BILLING_OFFICE = Symbol('CARE_API_BILLING_OFFICE');
