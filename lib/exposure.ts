/**
 * How a model service is reached from outside the cluster: the options of
 * `ModelService.exposeViaGateway()` (a Gateway API HTTPRoute attached to the
 * platform's Gateway) and `ModelService.exposeViaIngress()` (an Ingress of
 * the platform's controller), their defaults and their checks.
 *
 * Public exposure is HTTPS only: a route attaches to the Gateway's HTTPS
 * listener, an Ingress has a `tls` section; plain HTTP only where the
 * platform allows it explicitly (`allowPlainHttp`).
 */
import { DNS1123_LABEL, DNS1123_SUBDOMAIN, DNS1123_SUBDOMAIN_RULE, DNS_NAME } from './names';

/** Defaults of the exposure options, shared with the platform file schema. */
export const EXPOSURE_DEFAULTS = {
  /** Section name of the Gateway's HTTPS listener. */
  httpsListener: 'https',
  /** Section name of the Gateway's plain HTTP listener. */
  httpListener: 'http',
  /** IngressClass of the platform's Ingress controller. */
  ingressClassName: 'nginx',
  /** Namespace of the platform's Ingress controller. */
  ingressNamespace: 'ingress-nginx',
  /** Path prefix that is routed. */
  path: '/',
  /** Whether a service may also be served over plain HTTP. */
  allowPlainHttp: false,
} as const;

/** How public services are exposed: a Gateway API HTTPRoute, or an Ingress. */
export const EXPOSURE_MODES = ['gateway', 'ingress'] as const;
export type ExposureMode = (typeof EXPOSURE_MODES)[number];

/** The API group of Gateway API (HTTPRoute, Gateway). */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** cert-manager's annotation that asks an issuer for an Ingress's certificate. */
export const CLUSTER_ISSUER_ANNOTATION = 'cert-manager.io/cluster-issuer';

/**
 * cert-manager's HTTP-01 solver pods: the label cert-manager puts on them
 * (`SolverIdentificationLabelKey` in cert-manager's `pkg/apis/acme/v1`) and
 * the port they listen on (`acmeSolverListenPort`, `pkg/issuer/acme/http`).
 * They run in the namespace of the Certificate, so in the tenant namespace.
 * @see https://cert-manager.io/docs/configuration/acme/http01/
 */
export const ACME_HTTP01_SOLVER = { label: 'acme.cert-manager.io/http01-solver', port: 8089 } as const;

/** Host and path: where a service is public. */
export interface RouteOptions {
  /** Host name, e.g. `detector.vision.ml.example.com`. */
  readonly host: string;
  /**
   * Path prefix.
   * @default '/'
   */
  readonly path?: string;
}

/**
 * The platform's Gateway (cluster infrastructure; the platform does not
 * create it). Its HTTPS listener must admit routes from tenant namespaces
 * (`allowedRoutes.namespaces`).
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#gateway
 */
export interface GatewayOptions extends RouteOptions {
  /** Name of the parent Gateway. */
  readonly gatewayName: string;
  /** Namespace of the parent Gateway. */
  readonly gatewayNamespace: string;
  /**
   * Section name of the Gateway's HTTPS listener the route attaches to.
   * @default 'https'
   * @see https://gateway-api.sigs.k8s.io/reference/spec/#parentreference
   */
  readonly httpsListener?: string;
  /**
   * Section name of the Gateway's plain HTTP listener; the route attaches to it only when `allowPlainHttp`.
   * @default 'http'
   */
  readonly httpListener?: string;
  /**
   * Namespace of the gateway's proxy pods, allowed through the tenant's NetworkPolicies to this service only.
   * @default - the Gateway's namespace
   */
  readonly proxyNamespace?: string;
  /**
   * Also attach to the plain HTTP listener.
   * @default false
   */
  readonly allowPlainHttp?: boolean;
}

/** An Ingress's certificate: a Secret in the tenant namespace, or one cert-manager issues. */
export type IngressTls = { readonly secretName: string; readonly clusterIssuer?: undefined } | { readonly clusterIssuer: string; readonly secretName?: undefined };

/** Exposure of a model service through the platform's Ingress controller. */
export interface IngressOptions extends RouteOptions {
  /** IngressClass of the platform's controller. */
  readonly className: string;
  /** Namespace of the ingress controller, allowed through the tenant's NetworkPolicies to this service only. */
  readonly controllerNamespace: string;
  /**
   * The certificate: `secretName` (a TLS Secret of that name in the tenant namespace; Ingress TLS
   * secrets are namespace-local) or `clusterIssuer` (cert-manager annotation, secret `<service>-tls`).
   * @default - none: refused unless `allowPlainHttp`
   * @see https://kubernetes.io/docs/concepts/services-networking/ingress/#tls
   */
  readonly tls?: IngressTls;
  /**
   * Serve over plain HTTP when no `tls` is given.
   * @default false
   */
  readonly allowPlainHttp?: boolean;
}

/** Checks host and path; returns the path with its default. */
export function checkRoute(where: string, options: RouteOptions): string {
  const path = options.path ?? EXPOSURE_DEFAULTS.path;
  if (!DNS_NAME.test(options.host)) {
    throw new Error(`${where}: host "${options.host}" is not a DNS name (lowercase labels separated by dots, e.g. chat.nlp.ml.example.com)`);
  }
  if (!path.startsWith('/')) {
    throw new Error(`${where}: path "${path}" must start with "/"`);
  }
  return path;
}

/** Checks a Kubernetes object or section name (a DNS-1123 label) given as `field`. */
export function checkLabelName(where: string, field: string, value: string): void {
  if (!DNS1123_LABEL.test(value) || value.length > 63) {
    throw new Error(`${where}: ${field} "${value}" is not a valid name (lowercase letters, digits and '-', at most 63 characters)`);
  }
}

/** Checks the name of an object that may contain dots (a DNS-1123 subdomain: a Secret, a ClusterIssuer) given as `field`. */
export function checkSubdomainName(where: string, field: string, value: string): void {
  if (!DNS1123_SUBDOMAIN.test(value) || value.length > 253) {
    throw new Error(`${where}: ${field} "${value}" is not a valid name (a DNS-1123 subdomain: ${DNS1123_SUBDOMAIN_RULE})`);
  }
}
