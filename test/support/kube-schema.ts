/**
 * Validation of synthesized objects against the Kubernetes OpenAPI schema,
 * through the validators of the `kubernetes-models` package, and of
 * prometheus-operator objects against its CRD schemas
 * (`@kubernetes-models/prometheus-operator`).
 */

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: unknown) => Validatable;

/** The kubernetes-models class of an object's apiVersion and kind. */
function modelClass(apiVersion: string, kind: string): ModelClass {
  const modulePath = apiVersion.startsWith('monitoring.coreos.com/')
    ? `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`
    : `kubernetes-models/${apiVersion}/${kind}`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(modulePath) as Record<string, ModelClass>;
  const model = module[kind];
  if (!model) throw new Error(`${modulePath} exports no ${kind}`);
  return model;
}

/**
 * Problems of an object against the Kubernetes schema, as messages; empty
 * when it is valid.
 */
export function kubeSchemaProblems(object: { apiVersion: string; kind: string; metadata: { name: string } }): string[] {
  // Gateway API's kinds (HTTPRoute) have no kubernetes-models class: the typed class of
  // lib/imports/gateway.networking.k8s.io.ts type-checks them, and the API server checks them
  // against the Gateway API CRDs in the end-to-end deploy (test/e2e/deploy.test.ts).
  if (object.apiVersion.startsWith('gateway.networking.k8s.io/')) return [];
  const Model = modelClass(object.apiVersion, object.kind);
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    return [`${object.kind}/${object.metadata.name}: ${(error as Error).message}`];
  }
}
