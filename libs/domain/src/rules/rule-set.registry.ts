import { DomainError } from '../errors/domain.error';
import type { RuleSet, RuleSetVersion } from './rule-set';
import { CY2025 } from './rule-sets/cy2025.rule-set';
import { CY2026 } from './rule-sets/cy2026.rule-set';

/** Every rule set this build ships, by version. */
export const RULE_SETS: Readonly<Record<RuleSetVersion, RuleSet>> = { CY2025, CY2026 };

/** The month asks for a rule set this build does not ship (RULES.md: a month outside CY2025/CY2026). */
export class RuleSetError extends DomainError {
  readonly code = 'RULES.MISSING';
  readonly httpStatus = 400;
  constructor(
    /** The rule set that would be needed, e.g. `CY2027`. */
    readonly missingRuleSet: string,
    field = 'month',
  ) {
    super(`no billing rule set ${missingRuleSet} (available: ${Object.keys(RULE_SETS).join(', ')})`, field);
  }
}

/** A determination was asked with an invalid argument (month format, unknown policy). */
export class DeterminationInputError extends DomainError {
  readonly code = 'RULES.BAD_INPUT';
  readonly httpStatus = 400;
  constructor(message: string, field: string) {
    super(message, field);
  }
}

/**
 * The rule set for `month` (`YYYY-MM`): the calendar year's, unless `override` names one (a
 * "what if" replay of a month under another year's rules). Throws `RuleSetError` naming the
 * missing rule set.
 */
export function ruleSetFor(month: string, override?: string | null): RuleSet {
  const version = override ?? `CY${month.slice(0, 4)}`;
  const set = (RULE_SETS as Record<string, RuleSet | undefined>)[version];
  if (!set) throw new RuleSetError(version, override ? 'rules' : 'month');
  return set;
}
