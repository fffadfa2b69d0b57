import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ScaledObject, ScaledObjectSpecFallbackBehavior } from './imports/keda.sh';
import { TRACK_LABEL, Track } from './labels';
import { TenantNamespace } from './tenant-namespace';

/** The request metric kinds, in the order the platform file lists them. */
export const REQUEST_METRIC_KINDS = ['inFlight', 'perSecond'] as const;

/** What a request-based autoscaler reads: the gauge of requests in flight, or the rate of the request counter. */
export type RequestMetricKind = (typeof REQUEST_METRIC_KINDS)[number];

/**
 * Autoscaling on request load through KEDA: each track gets a `ScaledObject` (keda.sh/v1alpha1)
 * instead of a HorizontalPodAutoscaler, and KEDA creates the HPA (`keda-hpa-<name>`).
 * @see https://keda.sh/docs/2.21/reference/scaledobject-spec/
 */
export interface RequestAutoscaling {
  /** URL of the Prometheus that KEDA queries, e.g. `http://prometheus-operated.monitoring.svc:9090`. */
  readonly prometheusAddress: string;
  /** `inFlight`: `series` is a gauge of requests in flight; `perSecond`: `series` is a request counter, read as its rate. */
  readonly metric: RequestMetricKind;
  /** The series name, e.g. `http_requests_in_flight` or `http_requests_total`. */
  readonly series: string;
}

/**
 * The window of the request rate (`perSecond`): two scrapes at the platform's 30 s interval
 * and a margin, so that one missed scrape does not make the rate empty.
 */
export const REQUEST_RATE_WINDOW = '2m';

/**
 * Failed Prometheus queries in a row (one per polling interval, 30 s by default) after which
 * KEDA's fallback applies: the request trigger then proposes the current replica count (at
 * least the minimum) instead of an error, so a Prometheus outage never scales a service down;
 * the CPU trigger can still scale it up (the HPA takes the largest proposal).
 */
export const REQUEST_FALLBACK_FAILURES = 3;

/** The Prometheus in the platform's monitoring namespace (the Service that prometheus-operator creates for its Prometheus instances). */
export function defaultPrometheusAddress(monitoringNamespace: string): string {
  return `http://prometheus-operated.${monitoringNamespace}.svc:9090`;
}

/**
 * The PromQL query of one track's request load, summed over its pods: the series carry the
 * `namespace` and `service` labels of the ServiceMonitor's targets (as the alert rules use them),
 * and `track` from the pod label mlp.io/track (absent on stable pods, so the stable track
 * selects everything but the canary).
 */
export function requestLoadQuery(autoscaling: RequestAutoscaling, namespace: string, service: string, track: Track): string {
  const selector = `{namespace="${namespace}",service="${service}",track${track === 'canary' ? '="canary"' : '!="canary"'}}`;
  return autoscaling.metric === 'inFlight'
    ? `sum(${autoscaling.series}${selector})`
    : `sum(rate(${autoscaling.series}${selector}[${REQUEST_RATE_WINDOW}]))`;
}

export interface ServingTrackProps {
  /** The tenant the track runs in. */
  readonly tenant: TenantNamespace;
  /** The track: `stable` or `canary`; its objects carry it as label mlp.io/track. */
  readonly track: Track;
  /** Name of the Deployment, autoscaler and PodDisruptionBudget. */
  readonly name: string;
  /** Labels of the track's pods that its Deployment, PodDisruptionBudget and Service select by. */
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** All labels of the pod template (selectorLabels included; the tenant's are added). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** The pod spec of a replica. */
  readonly podSpec: k8s.PodSpec;
  /** Fewest replicas. */
  readonly minReplicas: number;
  /** Most replicas. */
  readonly maxReplicas: number;
  /** Surge replicas of a rolling update. */
  readonly maxSurge: number;
  /** Average CPU utilization (percent of the request) the autoscaler aims for. */
  readonly targetCpuUtilization: number;
  /**
   * A Service of the track's own, selecting only its pods.
   * @default - none
   */
  readonly service?: { readonly name: string; readonly labels: Readonly<Record<string, string>>; readonly ports: readonly k8s.ServicePort[] };
  /**
   * Scale on request load through KEDA (a ScaledObject) instead of CPU (a HorizontalPodAutoscaler).
   * @default - a HorizontalPodAutoscaler on CPU
   */
  readonly requests?: { readonly autoscaling: RequestAutoscaling; readonly query: string; readonly targetPerReplica: number };
  /** What creates the track, for name claims in the namespace (e.g. `ModelService`). */
  readonly createdBy: string;
}

/**
 * One release track of a model service: its Deployment (no `replicas`: the autoscaler owns
 * them), its autoscaler (an HPA on CPU, or a KEDA ScaledObject on request load with CPU beside
 * it), its PodDisruptionBudget and, when asked, a Service of its own. Every object carries the
 * label mlp.io/track; the pod template only as the caller puts it into `podLabels`.
 */
export class ServingTrack extends Construct {
  public readonly deployment: k8s.KubeDeployment;
  /** The track's own Service, when one was asked for. */
  public readonly service?: k8s.KubeService;
  /** The HorizontalPodAutoscaler or the ScaledObject. */
  public readonly autoscaler: ApiObject;
  public readonly disruptionBudget: k8s.KubePodDisruptionBudget;

  public constructor(scope: Construct, id: string, props: ServingTrackProps) {
    super(scope, id);
    const { tenant } = props;
    const metadata = tenant.objectMetadata(props.name, { ...props.selectorLabels, [TRACK_LABEL]: props.track });

    this.deployment = new k8s.KubeDeployment(this, 'deployment', {
      metadata,
      spec: {
        selector: { matchLabels: { ...props.selectorLabels } },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(props.maxSurge), maxUnavailable: k8s.IntOrString.fromNumber(0) },
        },
        template: { metadata: { labels: { ...tenant.labels, ...props.podLabels } }, spec: props.podSpec },
      },
    });
    tenant.claimName(this.deployment, props.createdBy);

    if (props.service) {
      this.service = new k8s.KubeService(this, 'service', {
        metadata: tenant.objectMetadata(props.service.name, props.service.labels),
        spec: { type: 'ClusterIP', selector: { ...props.selectorLabels }, ports: [...props.service.ports] },
      });
      tenant.claimName(this.service, props.createdBy);
    }

    const cpuTarget = props.targetCpuUtilization;
    this.autoscaler = props.requests
      ? new ScaledObject(this, 'autoscaler', {
          metadata,
          spec: {
            scaleTargetRef: { name: props.name },
            minReplicaCount: props.minReplicas,
            maxReplicaCount: props.maxReplicas,
            fallback: {
              behavior: ScaledObjectSpecFallbackBehavior.CURRENT_REPLICAS_IF_HIGHER,
              failureThreshold: REQUEST_FALLBACK_FAILURES,
              replicas: props.minReplicas,
            },
            triggers: [
              {
                type: 'prometheus',
                metricType: 'AverageValue',
                metadata: {
                  serverAddress: props.requests.autoscaling.prometheusAddress,
                  query: props.requests.query,
                  threshold: String(props.requests.targetPerReplica),
                },
              },
              { type: 'cpu', metricType: 'Utilization', metadata: { value: String(cpuTarget) } },
            ],
          },
        })
      : new k8s.KubeHorizontalPodAutoscalerV2(this, 'autoscaler', {
          metadata,
          spec: {
            scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: props.name },
            minReplicas: props.minReplicas,
            maxReplicas: props.maxReplicas,
            metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpuTarget } } }],
          },
        });
    tenant.claimName(this.autoscaler, props.createdBy);

    this.disruptionBudget = new k8s.KubePodDisruptionBudget(this, 'disruption-budget', {
      metadata,
      spec: {
        maxUnavailable: k8s.IntOrString.fromNumber(1),
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
        selector: { matchLabels: { ...props.selectorLabels } },
      },
    });
    tenant.claimName(this.disruptionBudget, props.createdBy);
  }
}
