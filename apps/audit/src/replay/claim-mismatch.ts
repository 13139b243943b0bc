/** Moved to libs/replay so care-api's month close runs the same replay (ADR 0616). */
export * from '@careledger/replay/claim-mismatch';
