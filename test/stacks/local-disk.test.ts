/**
 * Local disk across every fixture tenant and the platform: what the issue
 * found missing (no ephemeral-storage anywhere, /tmp without sizeLimit) must
 * hold for every pod template the platform writes, not only in unit tests.
 */
import { loadConfig } from '../../config/load';
import { synthesizeAll } from '../../stacks/synth';
import { FIXTURE_PLATFORM_FILE, FIXTURE_TENANTS_DIR } from '../support/fixtures';
import { localDiskViolations, podSpecs } from '../property/kube-invariants';

const config = () => loadConfig({ platformFile: FIXTURE_PLATFORM_FILE, tenantsDir: FIXTURE_TENANTS_DIR });
const objects = () => synthesizeAll(config()).flatMap((group) => group.objects);

describe('local disk of the fixture tenants', () => {
  test('every container has equal ephemeral-storage requests and limits, and every emptyDir a sizeLimit', () => {
    const all = objects();
    const templates = all.flatMap((object) => podSpecs(object));
    // A Job, a CronJob and services in each of the three tenants.
    expect(templates.length).toBeGreaterThanOrEqual(6);
    const containers = templates.flatMap(({ spec }) => [...(spec.initContainers ?? []), ...spec.containers]);
    const emptyDirs = templates.flatMap(({ spec }) => (spec.volumes ?? []).filter((volume: any) => volume.emptyDir !== undefined));
    expect(containers.length).toBeGreaterThan(templates.length);
    expect(emptyDirs.length).toBeGreaterThanOrEqual(templates.length);
    expect(all.flatMap((object) => localDiskViolations(object))).toEqual([]);
  });

  test('every tenant quota bounds requests and limits of ephemeral-storage, and every LimitRange defaults and caps it', () => {
    const tenants = config().tenants;
    expect(tenants).toHaveLength(3);
    const all = objects();
    for (const tenant of tenants) {
      const quota = all.find((object) => object.kind === 'ResourceQuota' && object.metadata.namespace === tenant.name) as any;
      // With Kueue on (the fixture platform), the namespace holds guarantee + borrowing limit + serving reserve.
      const ephemeralStorage = tenant.queueing?.namespaceAmounts.ephemeralStorage;
      expect(ephemeralStorage).toBeDefined();
      expect(quota.spec.hard['requests.ephemeral-storage']).toBe(ephemeralStorage);
      expect(quota.spec.hard['limits.ephemeral-storage']).toBe(ephemeralStorage);
      const limitRange = all.find((object) => object.kind === 'LimitRange' && object.metadata.namespace === tenant.name) as any;
      const [container] = limitRange.spec.limits;
      expect(['defaultRequest', 'default', 'max'].map((kind) => container[kind]['ephemeral-storage'])).toEqual([
        tenant.limits.defaultRequest.ephemeralStorage,
        tenant.limits.default.ephemeralStorage,
        tenant.limits.max.ephemeralStorage,
      ]);
    }
  });

  test('the Prometheus bounds its data emptyDir and its container’s local disk', () => {
    const prometheus = objects().find((object) => object.kind === 'Prometheus') as any;
    expect(prometheus.spec.storage.emptyDir.sizeLimit).toBe('50Gi');
    expect(prometheus.spec.resources.limits['ephemeral-storage']).toBe('50Gi');
    expect(prometheus.spec.resources.requests['ephemeral-storage']).toBe('50Gi');
  });

  test('finds a container without ephemeral-storage and an emptyDir without sizeLimit', () => {
    const job: any = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'bare', namespace: 'x' },
      spec: { template: { spec: { containers: [{ name: 'main', resources: { requests: { cpu: '1' } } }], volumes: [{ name: 'tmp', emptyDir: {} }] } } },
    };
    expect(localDiskViolations(job)).toEqual(['Job/bare containers/main: no ephemeral-storage limit', 'Job/bare: emptyDir tmp has no sizeLimit']);
  });
});
