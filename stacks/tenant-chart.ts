import { Chart, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { GpuTrainingJob } from '../lib/gpu-training-job';
import { ModelService } from '../lib/model-service';
import { MonitoringStack } from '../lib/monitoring-stack';
import { PlatformFile } from '../config/schema/platform';
import { TenantConfig } from '../config/tenant-config';
import { TenantNamespace } from '../lib/tenant-namespace';

export interface TenantChartProps {
  /** The platform file. */
  readonly platform: PlatformFile;
  /** The tenant, resolved against the platform. */
  readonly tenant: TenantConfig;
}

/**
 * All objects of one tenant: its namespace, training jobs and model
 * services. The chart id is the tenant name.
 */
export class TenantChart extends Chart {
  public readonly tenantNamespace: TenantNamespace;
  public readonly trainingJobs: readonly GpuTrainingJob[];
  public readonly modelServices: readonly ModelService[];
  public readonly monitoring: MonitoringStack;

  public constructor(scope: Construct, id: string, props: TenantChartProps) {
    super(scope, id);
    const { platform, tenant } = props;
    const spec = platform.spec;

    this.tenantNamespace = new TenantNamespace(this, 'tenant', {
      name: tenant.name,
      costCenter: tenant.costCenter,
      owners: tenant.owners,
      members: tenant.members,
      viewers: tenant.viewers,
      tier: tenant.tier,
      quota: tenant.quota,
      limits: tenant.limits,
      allowFrom: tenant.allowFrom,
      egressCidrs: tenant.egressCidrs,
      allowInternet: tenant.allowInternet,
      clusterCidrs: [...spec.network.podCidrs, ...spec.network.serviceCidrs],
      monitoringNamespace: spec.monitoring.namespace,
      dns: spec.dns,
      gpuResourceNames: [...new Set(Object.values(spec.gpuTypes).map((type) => type.resourceName))].sort(),
      labels: tenant.labels,
    });

    // Workloads live in scopes of their own, so that a job or service named like another child
    // of the chart (`tenant`, `monitoring`) cannot collide with it. Their ids are their names.
    const jobScope = new Construct(this, 'training-jobs');
    const serviceScope = new Construct(this, 'model-services');
    this.trainingJobs = tenant.trainingJobs.map(
      (job) =>
        new GpuTrainingJob(jobScope, job.name, {
          tenant: this.tenantNamespace,
          image: job.image,
          command: job.command,
          args: job.args,
          env: job.env,
          gpus: job.gpus,
          gpuType: job.gpuType,
          workers: job.workers,
          cpu: job.cpu,
          memory: job.memory,
          shmSize: job.shmSize,
          checkpoint: job.checkpoint,
          maxRuntime: Duration.seconds(job.maxRuntimeSeconds),
          retries: job.retries,
          schedule: job.schedule,
          metricsPort: job.metricsPort,
          waitImage: spec.utilityImage,
        }),
    );

    this.modelServices = tenant.modelServices.map((service) => {
      const modelService = new ModelService(serviceScope, service.name, {
        tenant: this.tenantNamespace,
        image: service.image,
        command: service.command,
        args: service.args,
        port: service.port,
        gpus: service.gpus,
        gpuType: service.gpuType,
        cpu: service.cpu,
        memory: service.memory,
        minReplicas: service.minReplicas,
        maxReplicas: service.maxReplicas,
        targetCpuUtilization: service.targetCpuUtilization,
        healthPath: service.healthPath,
        liveness: service.liveness,
        env: service.env,
        metricsPort: service.metricsPort,
        metricsPath: service.metricsPath,
      });
      if (service.ingress) {
        modelService.exposeViaIngress({
          host: service.ingress.host,
          path: service.ingress.path,
          className: spec.ingress.className,
          controllerNamespace: spec.ingress.namespace,
        });
      }
      return modelService;
    });

    this.monitoring = new MonitoringStack(this, 'monitoring', {
      tenant: this.tenantNamespace,
      modelServices: this.modelServices,
      prometheusInstance: spec.monitoring.instance,
      runbookBaseUrl: spec.monitoring.runbookBaseUrl,
      gpuNamespaceLabel: spec.monitoring.gpuNamespaceLabel,
      requestMetrics: spec.monitoring.requestMetrics,
      thresholds: tenant.monitoring,
    });
  }
}
