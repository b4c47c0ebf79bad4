/** Treatments (RequestApplyTreatment) as the call's state: stopping one, and how long one plays. */
import type { KVList } from '../protocol/attributes.js';
import { treatmentTimerKey } from './calls.js';
import type { SimCall } from './records.js';
import type { SharedState } from './state.js';

/** Longest treatment duration accepted from TreatmentParms (ms): one hour. */
export const MAX_TREATMENT_MS = 3_600_000;

export function stopTreatment(shared: SharedState, call: SimCall): void {
  shared.clearTimer(treatmentTimerKey(call.connId));
  call.treatment = undefined;
}

/** Treatment length from TreatmentParms (`DurationMs` in ms or `Duration` in s), else the setting. */
export function treatmentDuration(shared: SharedState, parms: KVList | undefined): number {
  for (const [key, value] of parms ?? []) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) continue;
    if (key === 'DurationMs') return Math.min(value, MAX_TREATMENT_MS);
    if (key === 'Duration') return Math.min(value * 1000, MAX_TREATMENT_MS);
  }
  return shared.settings.treatmentDurationMs;
}
