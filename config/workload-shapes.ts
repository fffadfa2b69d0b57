/**
 * One shape per workload: the construct props are the source, and the
 * resolved config that the tenant chart passes to a construct is derived
 * from them. A prop added to a construct is required in its resolved config
 * (unless listed below), so `resolveTenant` fails to type-check until it
 * resolves the prop; the checks at the end fail to type-check when a field
 * of the tenant file schema and the props no longer map onto each other.
 */
import { CheckpointVolume, GpuTrainingJobProps } from '../lib/gpu-training-job';
import { IngressOptions } from '../lib/exposure';
import { CanaryOptions } from '../lib/canary';
import { ModelServiceProps } from '../lib/model-service';
import { LivenessProbeOptions } from '../lib/serving-pod';
import { TenantNamespaceProps } from '../lib/tenant-namespace';
import { ModelServiceEntry, TenantFile, TrainingJobEntry } from './schema/tenant';

/** `T` with every prop required except `Optional`, whose absence means something. */
type Resolved<T, Optional extends keyof T = never> = Required<Omit<T, Optional>> & Pick<T, Optional>;

/** GpuTrainingJob props the tenant chart sets (the tenant, the platform's utility image, the tenant's queue), not the tenant file. */
export type TrainingJobChartProps = 'tenant' | 'waitImage' | 'queue';
/** GpuTrainingJob props a tenant file cannot set: the construct's defaults apply. */
export type TrainingJobFixedProps = 'keepFinishedFor' | 'masterPort';
/**
 * Props that stay unset when the file leaves them out: the image's entrypoint, no GPU node selection, no volume, run once,
 * no metrics port, every exit code retried, the construct's starting deadline for scheduled jobs.
 */
type TrainingJobOptionalProps = 'command' | 'args' | 'gpuType' | 'checkpoint' | 'schedule' | 'metricsPort' | 'nonRetryableExitCodes' | 'startingDeadline';

/** A training job with every default resolved: GpuTrainingJob's props, and its name (the construct id). */
export type TrainingJobConfig = { readonly name: string } & Resolved<
  Omit<GpuTrainingJobProps, TrainingJobChartProps | TrainingJobFixedProps>,
  TrainingJobOptionalProps
>;

/** ModelService props the tenant chart sets: the tenant, and request autoscaling from the platform file. */
export type ModelServiceChartProps = 'tenant' | 'requestAutoscaling';
/**
 * Props that stay unset when the file leaves them out: the image's entrypoint, no GPU node selection, default liveness, metrics on
 * the serving port, no request target (set, the platform's default applied, when the platform scales on requests).
 */
type ModelServiceOptionalProps = 'command' | 'args' | 'gpuType' | 'liveness' | 'metricsPort' | 'targetRequestsPerReplica';

/**
 * A model service with every default resolved: ModelService's props, its name (the construct
 * id) and, when it is exposed, the options of `exposeViaIngress()` that the tenant file sets.
 */
export type ModelServiceConfig = {
  readonly name: string;
  readonly ingress?: Resolved<Pick<IngressOptions, 'host' | 'path'>>;
  /** The canary with its replica bounds resolved; absent: no canary. */
  readonly canary?: Resolved<CanaryOptions>;
} & Resolved<Omit<ModelServiceProps, ModelServiceChartProps | 'canary'>, ModelServiceOptionalProps>;

/** TenantNamespace props the tenant chart takes from the platform file (and, for gpuQuotas, the resolved queue). */
export type TenantNamespacePlatformProps = 'clusterCidrs' | 'monitoringNamespace' | 'dns' | 'gpuResourceNames' | 'gpuQuotas';

/** TenantNamespace's props of a tenant, every default resolved. */
export type TenantNamespaceConfig = Resolved<Omit<TenantNamespaceProps, TenantNamespacePlatformProps>>;

/**
 * The fields of a tenant file's workload entry that are no prop of the same name, and the
 * props each becomes (`never`: none, it is the construct id or a verb's argument).
 */
export interface TrainingJobEntryFields {
  readonly name: never;
}
export interface ModelServiceEntryFields {
  readonly name: never;
  readonly replicas: 'minReplicas' | 'maxReplicas';
  readonly expose: never;
}
/** The fields of a model service's `canary` that are no CanaryOptions prop of the same name, and the props each becomes. */
export interface CanaryEntryFields {
  readonly replicas: 'minReplicas' | 'maxReplicas';
}
/** The fields of a tenant file's `spec` (and `metadata`) that are no TenantNamespace prop of the same name, and the props each becomes. */
export interface TenantSpecFields {
  readonly network: 'allowFrom' | 'egressCidrs' | 'allowInternet';
  readonly trainingJobs: never;
  readonly modelServices: never;
  readonly policyWaivers: never;
  readonly monitoring: never;
  readonly queueing: never;
}

/** Compiles only when `Left` is `never`; otherwise the error names the keys left over. */
type NoneLeft<Left extends never> = Left;

/**
 * Compile-time checks that the tenant file schema, the resolved configs and the construct props
 * describe the same fields: each entry names the keys on one side that the other side lacks.
 */
export type WorkloadShapeChecks = [
  // Every field of a training job entry is a prop, or listed in TrainingJobEntryFields.
  NoneLeft<Exclude<keyof TrainingJobEntry, keyof GpuTrainingJobProps | keyof TrainingJobEntryFields>>,
  // Every GpuTrainingJob prop is a field of the entry, set by the chart, or fixed.
  NoneLeft<Exclude<keyof GpuTrainingJobProps, keyof TrainingJobEntry | TrainingJobChartProps | TrainingJobFixedProps>>,
  NoneLeft<Exclude<keyof NonNullable<TrainingJobEntry['checkpoint']>, keyof CheckpointVolume>>,
  NoneLeft<Exclude<keyof CheckpointVolume, keyof NonNullable<TrainingJobEntry['checkpoint']>>>,
  // Every field of a model service entry is a prop, or listed in ModelServiceEntryFields.
  NoneLeft<Exclude<keyof ModelServiceEntry, keyof ModelServiceProps | keyof ModelServiceEntryFields>>,
  // Every ModelService prop is a field of the entry, made from one, or set by the chart.
  NoneLeft<Exclude<keyof ModelServiceProps, keyof ModelServiceEntry | ModelServiceEntryFields[keyof ModelServiceEntryFields] | ModelServiceChartProps>>,
  NoneLeft<Exclude<keyof NonNullable<ModelServiceEntry['liveness']>, keyof LivenessProbeOptions>>,
  NoneLeft<Exclude<keyof NonNullable<ModelServiceEntry['canary']>, keyof CanaryOptions | keyof CanaryEntryFields>>,
  NoneLeft<Exclude<keyof CanaryOptions, keyof NonNullable<ModelServiceEntry['canary']> | CanaryEntryFields[keyof CanaryEntryFields]>>,
  NoneLeft<Exclude<keyof LivenessProbeOptions, keyof NonNullable<ModelServiceEntry['liveness']>>>,
  // Every tenant spec field is a TenantNamespace prop, or listed in TenantSpecFields.
  NoneLeft<Exclude<keyof TenantFile['spec'], keyof TenantNamespaceProps | keyof TenantSpecFields>>,
  // Every TenantNamespace prop is a spec field, made from one, metadata, or from the platform.
  NoneLeft<
    Exclude<
      keyof TenantNamespaceProps,
      keyof TenantFile['spec'] | TenantSpecFields[keyof TenantSpecFields] | keyof TenantFile['metadata'] | TenantNamespacePlatformProps
    >
  >,
];
