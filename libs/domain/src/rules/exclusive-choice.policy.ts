import type { ExclusiveChoicePolicy } from './month-determination';

/** One compliant alternative among exclusive ones (a family or a program result). */
export interface ChoiceAlternative {
  /** CY national non-facility amount of what the alternative would bill, in cents. */
  valueCents: number;
}

/**
 * Exclusive-choice policies (RULES.md 5 "Choosing"). A policy is per-tenant configuration, so the
 * engine looks it up in this table instead of branching on it; a new policy is a new entry.
 * Each returns the index of the chosen alternative; ties keep the earlier one (callers list
 * alternatives in a fixed order, so the choice is deterministic).
 */
export const EXCLUSIVE_CHOICE_POLICY_TABLE: Readonly<
  Record<ExclusiveChoicePolicy, (alternatives: readonly ChoiceAlternative[]) => number>
> = {
  higher_value: (alternatives) => {
    let best = 0;
    for (let i = 1; i < alternatives.length; i++) {
      if (alternatives[i]!.valueCents > alternatives[best]!.valueCents) best = i;
    }
    return best;
  },
};

/** Applies `policy` to `alternatives` (at least one) and returns the chosen index. */
export function choose(policy: ExclusiveChoicePolicy, alternatives: readonly ChoiceAlternative[]): number {
  return EXCLUSIVE_CHOICE_POLICY_TABLE[policy](alternatives);
}
