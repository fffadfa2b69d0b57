import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { GpuTrainingJob } from '../lib/gpu-training-job';
import { ModelService } from '../lib/model-service';
import { RequestAutoscaling, defaultPrometheusAddress } from '../lib/serving-track';
import { MonitoringStack } from '../lib/monitoring-stack';
import { PlatformExposure, PlatformFile } from '../config/schema/platform';
import { IngressTls, RouteOptions } from '../lib/exposure';
import { TenantConfig } from '../config/tenant-config';
import { TenantNamespace, TenantNamespaceProps } from '../lib/tenant-namespace';
import { TenantQueue } from '../lib/tenant-queue';
import { platformGpuTypes } from '../config/tenant-queue-config';

export interface TenantChartProps {
  /** The platform file. */
  readonly platform: PlatformFile;
  /** The tenant, resolved against the platform. */
  readonly tenant: TenantConfig;
}

/**
 * All objects of one tenant: its namespace, its Kueue queue (when the
 * platform has queueing on), training jobs and model services. The chart id
 * is the tenant name.
 */
export class TenantChart extends Chart {
  public readonly tenantNamespace: TenantNamespace;
  public readonly trainingJobs: readonly GpuTrainingJob[];
  public readonly modelServices: readonly ModelService[];
  public readonly monitoring: MonitoringStack;
  /** The tenant's Kueue queue, when the platform has queueing on. */
  public readonly queue?: TenantQueue;

  public constructor(scope: Construct, id: string, props: TenantChartProps) {
    super(scope, id);
    const { platform, tenant } = props;
    const spec = platform.spec;

    const { file: _file, trainingJobs, modelServices, policyWaivers: _policyWaivers, monitoring, queueing, ...namespace } = tenant;
    this.tenantNamespace = new TenantNamespace(this, 'tenant', {
      ...namespace,
      // With queueing on, the quota is the queue's guarantee; the namespace holds guarantee + borrowing + serving reserve.
      quota: queueing ? { ...namespace.quota, ...queueing.namespaceAmounts } : namespace.quota,
      clusterCidrs: [...spec.network.podCidrs, ...spec.network.serviceCidrs],
      monitoringNamespace: spec.monitoring.namespace,
      dns: spec.dns,
      gpuResourceNames: [...new Set(Object.values(spec.gpuTypes).map((type) => type.resourceName))].sort(),
      gpuQuotas: queueing?.namespaceGpus ?? {},
    } satisfies Required<TenantNamespaceProps>);

    // Workloads live in scopes of their own, so that a job or service named like another child
    // of the chart (`tenant`, `monitoring`) cannot collide with it. Their ids are their names.
    // The resolved configs are the construct props (config/workload-shapes.ts): they pass through whole.
    if (queueing) {
      const { servingReserve: _reserve, namespaceAmounts: _amounts, namespaceGpus: _gpus, ...queue } = queueing;
      this.queue = new TenantQueue(this, 'queue', { ...queue, tenant: this.tenantNamespace, gpuTypes: platformGpuTypes(platform) });
    }
    const jobScope = new Construct(this, 'training-jobs');
    const serviceScope = new Construct(this, 'model-services');
    this.trainingJobs = trainingJobs.map(
      ({ name, ...job }) =>
        new GpuTrainingJob(jobScope, name, { ...job, tenant: this.tenantNamespace, waitImage: spec.utilityImage, ...(this.queue && { queue: this.queue }) }),
    );

    const requests = spec.autoscaling.requests;
    const requestAutoscaling: RequestAutoscaling | undefined = requests && {
      prometheusAddress: requests.prometheusAddress ?? defaultPrometheusAddress(spec.monitoring.namespace),
      metric: requests.metric,
      series: requests.metric === 'inFlight' ? spec.monitoring.requestMetrics.requestsInFlight : spec.monitoring.requestMetrics.requestsTotal,
    };
    this.modelServices = modelServices.map(({ name, ingress, ...service }) => {
      const modelService = new ModelService(serviceScope, name, { ...service, tenant: this.tenantNamespace, ...(requestAutoscaling && { requestAutoscaling }) });
      if (ingress) expose(modelService, ingress, spec.exposure);
      return modelService;
    });

    this.monitoring = new MonitoringStack(this, 'monitoring', {
      tenant: this.tenantNamespace,
      modelServices: this.modelServices,
      prometheusInstance: spec.monitoring.instance,
      runbookBaseUrl: spec.monitoring.runbookBaseUrl,
      gpuNamespaceLabel: spec.monitoring.gpuNamespaceLabel,
      requestMetrics: spec.monitoring.requestMetrics,
      thresholds: monitoring,
    });
  }
}

/**
 * Exposes a service publicly the way the platform file says (docs/exposure.md):
 * an HTTPRoute on the platform's Gateway, or an Ingress of its controller.
 */
function expose(service: ModelService, route: RouteOptions, exposure: PlatformExposure): void {
  const { gateway, ingress, allowPlainHttp } = exposure;
  if (exposure.mode === 'gateway' && gateway) {
    service.exposeViaGateway({
      ...route,
      gatewayName: gateway.name,
      gatewayNamespace: gateway.namespace,
      httpsListener: gateway.httpsListener,
      httpListener: gateway.httpListener,
      ...(gateway.proxyNamespace !== undefined && { proxyNamespace: gateway.proxyNamespace }),
      allowPlainHttp,
    });
  } else if (exposure.mode === 'ingress' && ingress) {
    service.exposeViaIngress({ ...route, className: ingress.className, controllerNamespace: ingress.namespace, ...(ingress.tls && { tls: ingress.tls as IngressTls }), allowPlainHttp });
  } else {
    throw new Error(`spec.exposure: mode ${exposure.mode} without its spec.exposure.${exposure.mode} settings`);
  }
}
