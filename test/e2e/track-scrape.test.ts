/**
 * Every pod of a model service with a canary is scraped exactly once, with
 * the label `track`, shown by the real parts: the fixture platform and a
 * tenant whose service has a canary are applied to a control plane whose
 * simulated nodes (kwok) run the pods, the real prometheus-operator (v0.89.0)
 * generates the Prometheus configuration, and the real Prometheus service
 * discovery and relabeling (`promtool check service-discovery`, v0.316.0)
 * list the targets of the service's scrape job against the API server.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { ControlPlane, keepLogs, scratchDir } from '../../devkit/cluster';
import { PrometheusOperator, generatedPrometheus } from '../../devkit/prometheus-operator';
import { run } from '../../devkit/tools';
import { runMlp } from '../support/cli';
import { FIXTURE_PLATFORM_FILE, fixturePlatform, minimalTenant } from '../support/fixtures';

const MONITORING = fixturePlatform().spec.monitoring!;
const JOB = 'serviceMonitor/nlp/chat/0';

const TENANT = `${minimalTenant('nlp')}  modelServices:
    - name: chat
      image: registry.ml.example.com/nlp/chat:1.4.0
      replicas: {min: 2, max: 2}
      canary:
        image: registry.ml.example.com/nlp/chat:1.5.0-rc1
        weight: 10
        replicas: {min: 1, max: 1}
`;

describe('the scrape targets of a model service with a canary', () => {
  let dir: string;
  let cluster: ControlPlane;
  let operator: PrometheusOperator | undefined;
  /** The pods of chat: name → mlp.io/track label (absent on stable pods). */
  let pods: Record<string, string | undefined>;
  /** The targets Prometheus keeps after relabeling: the labels of each. */
  let targets: Array<Record<string, string>>;

  beforeAll(async () => {
    dir = scratchDir('mlp-e2e-track-scrape-');
    cluster = ControlPlane.start(path.join(dir, 'control-plane'), { simulatedNodes: { platformFile: FIXTURE_PLATFORM_FILE } });
    const project = path.join(dir, 'project');
    fs.mkdirSync(path.join(project, 'tenants'), { recursive: true });
    fs.copyFileSync(FIXTURE_PLATFORM_FILE, path.join(project, 'platform.yaml'));
    fs.writeFileSync(path.join(project, 'tenants', 'nlp.yaml'), TENANT);
    const synth = runMlp(project, 'synth', '--out', 'dist');
    expect({ status: synth.status, stderr: synth.stderr }).toEqual({ status: 0, stderr: '' });

    // The operator's Probe CRD first: applyPlatformCrds waits until every CRD is Established.
    cluster.kubectlOk(['apply', '--server-side', '-f', '-'], PrometheusOperator.probeCrd());
    await cluster.applyPlatformCrds();
    cluster.applyDist(path.join(project, 'dist'), ['nlp']);
    await cluster.waitForDeploymentsAvailable('nlp');
    // Every pod Ready is an endpoint of Service chat once the EndpointSlice controller has caught up.
    await cluster.waitFor('the EndpointSlices of Service chat to list the 3 pods, ready', () => {
      const slices = JSON.parse(cluster.kubectlOk(['get', 'endpointslices', '-n', 'nlp', '-l', 'kubernetes.io/service-name=chat', '-o', 'json'])).items;
      return slices.flatMap((slice: any) => slice.endpoints ?? []).filter((endpoint: any) => endpoint.conditions?.ready).length === 3;
    });
    pods = Object.fromEntries(
      JSON.parse(cluster.kubectlOk(['get', 'pods', '-n', 'nlp', '-l', 'app.kubernetes.io/name=chat', '-o', 'json'])).items.map((pod: any) => [
        pod.metadata.name,
        pod.metadata.labels['mlp.io/track'],
      ]),
    );

    operator = await PrometheusOperator.start(path.join(dir, 'prometheus-operator'), cluster);
    const generated = await generatedPrometheus(cluster, MONITORING.namespace, MONITORING.instance);
    const job = generated.config.scrape_configs.find((entry: any) => entry.job_name === JOB);
    if (job === undefined) throw new Error(`the generated configuration has no job ${JOB}`);
    // Service discovery from outside the cluster: the same job, its API server reached through the admin kubeconfig,
    // and $(SHARD) of its sharding relabeling expanded to 0 as the operator's config-reloader does for the one shard
    // (prometheus-operator v0.89.0 pkg/prometheus/promcfg.go, pkg/operator/config_reloader.go).
    const shard0 = JSON.parse(JSON.stringify(job).split('$(SHARD)').join('0'));
    const config = path.join(dir, 'prometheus.yaml');
    fs.writeFileSync(
      config,
      stringify({ scrape_configs: [{ ...shard0, kubernetes_sd_configs: shard0.kubernetes_sd_configs.map((sd: any) => ({ ...sd, kubeconfig_file: cluster.kubeconfig })) }] }),
    );
    const discovery = run('promtool', ['check', 'service-discovery', '--timeout=60s', config, JOB]);
    if (discovery.status !== 0) throw new Error(`promtool check service-discovery failed:\n${discovery.stdout}\n${discovery.stderr}`);
    // promtool lists the targets of every update of a target group that came in during the timeout (cmd/promtool/sd.go
    // CheckSD), so one target shows once per update with other discovered labels; Prometheus keeps one target per label set.
    // A target that relabeling drops has no labels.
    const kept = (parse(discovery.stdout) as Array<{ labels: Record<string, string> | null }>).flatMap((target) =>
      target.labels && Object.keys(target.labels).length > 0 ? [target.labels] : [],
    );
    expect(kept.length).toBeGreaterThanOrEqual(3);
    const key = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
    targets = [...new Map(kept.map((labels) => [key(labels), labels])).values()];
    // Kept with the logs (keepLogs): the targets as promtool listed them.
    fs.writeFileSync(path.join(dir, 'promtool-service-discovery.log'), discovery.stdout);
  });

  afterAll(async () => {
    try {
      await operator?.stop();
      cluster?.stop();
    } finally {
      keepLogs(dir, 'track-scrape');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the service runs 2 stable pods without the track label and 1 canary pod with it', () => {
    expect(Object.values(pods).sort()).toEqual(['canary', undefined, undefined]);
  });

  test('each pod is a target exactly once, labelled with its track and the Service chat', () => {
    expect(targets.map((labels) => [labels.pod, labels.track, labels.service, labels.namespace]).sort()).toEqual(
      Object.entries(pods)
        .map(([pod, track]) => [pod, track ?? 'stable', 'chat', 'nlp'])
        .sort(),
    );
    expect(targets.length).toBe(3);
  });
});
