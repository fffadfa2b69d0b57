import { Chart, Testing } from 'cdk8s';
import { TenantNamespace } from '../../lib/tenant-namespace';

/** A chart with a TenantNamespace `vision` whose quota fits the tests' workloads. */
export function tenantChart(): { chart: Chart; tenant: TenantNamespace } {
  const chart = Testing.chart();
  const tenant = new TenantNamespace(chart, 'tenant', {
    name: 'vision',
    costCenter: 'cc-4711',
    owners: [{ group: 'vision-leads' }],
    quota: { cpu: '256', memory: '2Ti', gpu: 32, storage: '4Ti', pods: 100 },
    limits: {
      defaultRequest: { cpu: '250m', memory: '512Mi' },
      default: { cpu: '1', memory: '2Gi' },
      max: { cpu: '64', memory: '512Gi' },
    },
  });
  return { chart, tenant };
}

/** The objects a chart synthesizes, without the tenant's own (namespace, quota, policies...). */
export function workloadObjects(chart: Chart): any[] {
  return Testing.synth(chart).filter((object) => object.metadata.labels?.['app.kubernetes.io/name'] !== undefined);
}

/** The one object of a kind. */
export function only(objects: any[], kind: string): any {
  const matching = objects.filter((object) => object.kind === kind);
  if (matching.length !== 1) throw new Error(`expected one ${kind}, found ${matching.length}`);
  return matching[0];
}
