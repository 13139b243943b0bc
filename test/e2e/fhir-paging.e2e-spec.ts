import type { Bundle } from '@medplum/fhirtypes';
import { type FhirFixture, fhirFixture } from './fhir-support';

/**
 * Keyset paging of FHIR searches (ADR 1116) on query-api over a generated tenant that the real
 * projection engine wrote into PostgreSQL: walking every `next` link returns each resource once, and a
 * tampered cursor, another tenant's cursor or a bad `_count` is an OperationOutcome naming the parameter.
 */
describe('FHIR search paging (query-api, real PostgreSQL)', () => {
  let fx: FhirFixture;

  beforeAll(async () => {
    // 60 patients: more than one patient batch (50), so pages cross batch boundaries.
    fx = await fhirFixture('fhirpage', { seed: 31, patients: 60, months: ['2025-03'] });
  }, 180_000);
  afterAll(async () => fx?.close());

  /** Follows `next` from `url`; the ids of every entry in order, and the number of pages. */
  async function walk(url: string): Promise<{ ids: string[]; pages: number; sizes: number[] }> {
    const ids: string[] = [];
    const sizes: number[] = [];
    let next: string | undefined = url;
    while (next) {
      const res = await fx.get(next);
      expect([next, res.status]).toEqual([next, 200]);
      const bundle = res.body as Bundle;
      sizes.push(bundle.entry?.length ?? 0);
      ids.push(...(bundle.entry ?? []).map((e) => e.resource!.id!));
      const link = bundle.link?.find((l) => l.relation === 'next')?.url;
      next = link ? new URL(link).pathname + new URL(link).search : undefined;
      expect(sizes.length).toBeLessThan(500);
    }
    return { ids, pages: sizes.length, sizes };
  }

  it('walks every page of a tenant-wide search and returns each resource exactly once', async () => {
    const expected = new Set<string>();
    for (const e of fx.events) {
      if (e.type === 'CareTimeLogged') expected.add(e.data.entryId);
      if (e.type === 'EncounterCompleted') expected.add((e.data as { encounterId: string }).encounterId);
    }
    const { ids, pages, sizes } = await walk('/fhir/R4/Encounter?_count=7');
    expect(pages).toBeGreaterThan(2);
    expect(sizes.slice(0, -1).every((n) => n === 7)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...expected].sort());

    const patients = fx.events.filter((e) => e.type === 'PatientRegistered').map((e) => e.patientId!);
    const walked = await walk('/fhir/R4/Patient?_count=13');
    expect(walked.ids).toEqual([...patients].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  }, 120_000);

  it('keeps the search parameters in next links and pages a filtered search the same way', async () => {
    const all = await walk('/fhir/R4/Encounter?date=2025-03&_count=500');
    expect(all.pages).toBe(1);
    const paged = await walk('/fhir/R4/Encounter?date=2025-03&_count=11');
    expect(paged.ids).toEqual(all.ids);
    const first = (await fx.get('/fhir/R4/Encounter?date=2025-03&_count=11')).body as Bundle;
    expect(first.total).toBeUndefined();
    const next = new URL(first.link!.find((l) => l.relation === 'next')!.url);
    expect(next.searchParams.get('date')).toBe('2025-03');
    expect(next.searchParams.get('_count')).toBe('11');
  }, 120_000);

  it("refuses a tampered cursor, another search's cursor and another tenant's cursor with an OperationOutcome", async () => {
    const first = (await fx.get('/fhir/R4/Encounter?_count=5')).body as Bundle;
    const nextUrl = new URL(first.link!.find((l) => l.relation === 'next')!.url);
    const cursor = nextUrl.searchParams.get('_cursor')!;
    const refused = async (url: string, tenant?: string) => {
      const res = await fx.get(url, ['billing'], tenant);
      expect([url, res.status, res.body.resourceType]).toEqual([url, 400, 'OperationOutcome']);
      expect(res.body.issue[0].details.coding[0].code).toBe('FHIR.BAD_CURSOR');
      expect(res.body.issue[0].expression).toEqual(['_cursor']);
    };
    const [body, mac] = cursor.split('.') as [string, string];
    const decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { k: string[] };
    decoded.k = [decoded.k[0]!, 'A'];
    const moved = Buffer.from(JSON.stringify(decoded)).toString('base64url');
    await refused(`/fhir/R4/Encounter?_count=5&_cursor=${moved}.${mac}`);
    await refused(
      `/fhir/R4/Encounter?_count=5&_cursor=${body}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`,
    );
    await refused(`/fhir/R4/Encounter?_count=5&_cursor=garbage`);
    await refused(`/fhir/R4/Condition?_count=5&_cursor=${cursor}`);
    await refused(`/fhir/R4/Encounter?date=2025-03&_count=5&_cursor=${cursor}`);
    await refused(`/fhir/R4/Encounter?_count=5&_cursor=${cursor}`, `other-${fx.run}`);
    expect((await fx.get(`/fhir/R4/Encounter?_count=5&_cursor=${cursor}`)).status).toBe(200);
  }, 60_000);

  it('names _count when it is not an integer 1..500', async () => {
    for (const bad of ['0', '501', 'ten', '-3', '2.5']) {
      const res = await fx.get(`/fhir/R4/Patient?_count=${bad}`);
      expect([bad, res.status, res.body.resourceType]).toEqual([bad, 400, 'OperationOutcome']);
      expect(res.body.issue[0].expression).toEqual(['_count']);
    }
  });
});
