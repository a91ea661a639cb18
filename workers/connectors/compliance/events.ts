/**
 * The compliance service sends no webhooks: screening and document checks answer synchronously (an
 * OpenSanctions-style `/match` has no callbacks). Kept so every connector folder has the same four files.
 */
export const complianceEvents = {} as const;
