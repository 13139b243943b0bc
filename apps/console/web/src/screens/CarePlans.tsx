import { Badge, Card, Grid, List, Select, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { allPages, tenantPath } from '../api';
import type { Session } from '../session';
import { Loading, useLoad } from './common';

interface Version {
  carePlanId: string;
  version: number;
  program: string;
  kind: string;
  authorId: string;
  effectiveFrom: string;
  effectiveTo: string | null;
  content: Record<string, string[]> | null;
  diff: Record<string, { added: string[]; removed: string[] }> | null;
}

/** Care-plan versions, each beside the one before it, additions and removals marked. */
export function CarePlans({ patientId }: { patientId: string; session: Session }) {
  const state = useLoad(
    () =>
      allPages<Version>(
        'query',
        `${tenantPath()}/care-plan-versions?patientId=${encodeURIComponent(patientId)}`,
      ),
    [patientId],
  );
  const [picked, setPicked] = useState<string | null>(null);
  return (
    <Card withBorder mb="md" component="section" aria-labelledby="plans-h">
      <Title order={3} id="plans-h" size="h4" mb="xs">
        Care-plan versions
      </Title>
      <Loading state={state}>
        {(versions) => {
          if (versions.length === 0) return <Text size="sm">No care plan.</Text>;
          const keys = versions.map((v) => `${v.carePlanId} v${v.version}`);
          const key = picked && keys.includes(picked) ? picked : keys[keys.length - 1]!;
          const cur = versions[keys.indexOf(key)]!;
          const prev = versions.find((v) => v.carePlanId === cur.carePlanId && v.version === cur.version - 1);
          return (
            <>
              <Select
                label="Version"
                data={keys}
                value={key}
                onChange={setPicked}
                allowDeselect={false}
                mb="xs"
                w={260}
              />
              <Grid data-testid="plan-diff">
                {[prev, cur].map((v, i) => (
                  <Grid.Col span={6} key={i}>
                    <Text fw={700} size="sm">
                      {v
                        ? `v${v.version} · ${v.kind} · ${v.program} · from ${v.effectiveFrom} · by ${v.authorId}`
                        : 'No earlier version'}
                    </Text>
                    {v?.content === null && <Text size="sm">Content hidden for your role.</Text>}
                    {v?.content &&
                      Object.entries(v.content).map(([section, items]) => (
                        <div key={section}>
                          <Text size="sm" fw={600} mt={4}>
                            {section}
                          </Text>
                          <List size="sm">
                            {items.map((item) => {
                              const d = cur.diff?.[section];
                              const mark =
                                i === 1 && d?.added.includes(item)
                                  ? 'added'
                                  : i === 0 && d?.removed.includes(item)
                                    ? 'removed'
                                    : null;
                              return (
                                <List.Item key={item}>
                                  {item}{' '}
                                  {mark && (
                                    <Badge size="xs" color="dark" variant="outline">
                                      {mark}
                                    </Badge>
                                  )}
                                </List.Item>
                              );
                            })}
                          </List>
                        </div>
                      ))}
                  </Grid.Col>
                ))}
              </Grid>
            </>
          );
        }}
      </Loading>
    </Card>
  );
}
