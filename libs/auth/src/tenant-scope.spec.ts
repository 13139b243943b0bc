import type { Role } from './principal';
import { inReadScope, readScope } from './tenant-scope';

const who = (roles: Role[], departments: string[] = []) => ({ roles, departments });

describe('read scope by role and department (ADR 0804)', () => {
  it.each<[Role[], string[], 'tenant' | string[]]>([
    [['care_manager'], ['primary-care'], ['primary-care']],
    [
      ['practitioner'],
      ['behavioral-health', 'primary-care', 'primary-care'],
      ['behavioral-health', 'primary-care'],
    ],
    [['admin'], ['administration'], ['administration']],
    [['care_manager'], [], []],
    [['billing'], [], 'tenant'],
    [['auditor'], ['primary-care'], 'tenant'],
    [['analyst'], [], 'tenant'],
    [['care_manager', 'billing'], ['primary-care'], 'tenant'],
  ])('given roles %j and departments %j, then the scope is %j', (roles, departments, expected) => {
    expect(readScope(who(roles, departments))).toEqual(expected);
  });

  it('given a clinical caller, then a row is visible only when one of its departments acted on it', () => {
    const cm = who(['care_manager'], ['primary-care']);
    expect(inReadScope(cm, ['primary-care', 'behavioral-health'])).toBe(true);
    expect(inReadScope(cm, ['behavioral-health'])).toBe(false);
    expect(inReadScope(cm, [])).toBe(false);
    expect(inReadScope(who(['care_manager']), ['primary-care'])).toBe(false);
    expect(inReadScope(who(['billing']), ['behavioral-health'])).toBe(true);
  });
});
