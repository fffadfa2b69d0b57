import { k8s } from 'cdk8s-plus-28';
import { DEFAULT_GPU_RESOURCE, EPHEMERAL_STORAGE } from './tenant-namespace';

/**
 * Where pods that use one GPU type run: the node labels to select, the
 * taints to tolerate and the extended resource to request.
 */
export interface GpuPlacement {
  /** Name of the GPU type, e.g. `a100-80gb`. */
  readonly name: string;
  /**
   * Node labels that select nodes with this GPU.
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodeselector
   */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /**
   * Tolerations for the taints of those nodes.
   * @default - none
   */
  readonly tolerations?: readonly k8s.Toleration[];
  /**
   * Extended resource name the device plugin advertises.
   * @default 'nvidia.com/gpu'
   */
  readonly resourceName?: string;
}

/** CPU, memory and local disk of one container. */
export interface ContainerSize {
  readonly cpu: string;
  readonly memory: string;
  /** `ephemeral-storage`: writable layer, logs and disk-backed emptyDir volumes. */
  readonly ephemeralStorage: string;
}

/**
 * Resource requests and limits (equal, for Guaranteed QoS and so that the scheduler reserves
 * the local disk a container may fill) of a workload container.
 */
export function containerResources(size: ContainerSize, gpus: number, gpu: GpuPlacement | undefined): k8s.ResourceRequirements {
  const amounts: Record<string, k8s.Quantity> = {
    cpu: k8s.Quantity.fromString(size.cpu),
    memory: k8s.Quantity.fromString(size.memory),
    [EPHEMERAL_STORAGE]: k8s.Quantity.fromString(size.ephemeralStorage),
  };
  if (gpus > 0) {
    amounts[gpu?.resourceName ?? DEFAULT_GPU_RESOURCE] = k8s.Quantity.fromNumber(gpus);
  }
  return { requests: { ...amounts }, limits: { ...amounts } };
}

/** Pod spec fields that place a pod on nodes of the GPU type; none when the pod uses no GPU. */
export function gpuScheduling(gpus: number, gpu: GpuPlacement | undefined): Pick<k8s.PodSpec, 'nodeSelector' | 'tolerations'> {
  if (gpus === 0 || gpu === undefined) return {};
  return {
    nodeSelector: { ...gpu.nodeSelector },
    ...(gpu.tolerations && gpu.tolerations.length > 0 && { tolerations: [...gpu.tolerations] }),
  };
}
