/**
 * The real Kueue manager (cmd/kueue of sigs.k8s.io/kueue, built by
 * scripts/build-tools.sh) in the local cluster: scripts/control-plane.sh
 * starts it when MLP_CP_KUEUE=1 (devkit/cluster.ts: `kueue: true`), on
 * loopback ports, and installs its admission webhooks with this module.
 *
 * Run as a program (`node build/devkit/kueue.js webhooks MANIFESTS PORT CA_FILE`),
 * it reads Kueue's own webhook manifests (config/components/webhook/manifests.yaml
 * of the module, copied beside the binary) and prints the
 * Mutating/ValidatingWebhookConfigurations to install as one JSON `List` for
 * `kubectl create -f -`: the webhooks of Kueue's own kinds and of batch/v1
 * Jobs only (no Pod, Deployment, StatefulSet or other frameworks: model
 * services are not queued, and serving must not depend on Kueue's webhook),
 * each called at `https://127.0.0.1:PORT<path>` with the CA that signed the
 * manager's serving certificate.
 */
import * as fs from 'fs';
import { parseAllDocuments } from 'yaml';

/** The API group of Kueue's own kinds (ClusterQueue, LocalQueue, Workload, ...). */
export const KUEUE_API_GROUP = 'kueue.x-k8s.io';
/** The namespace Kueue's configuration names (`namespace`); its job webhooks skip it, as Kueue's kustomization does. */
export const KUEUE_NAMESPACE = 'kueue-system';
/** Prefix of the installed webhook configurations' names (Kueue's kustomization `namePrefix`). */
const NAME_PREFIX = 'kueue-';

/** Where the API server reaches the manager's webhook server. */
export interface KueueWebhookEndpoint {
  /** The webhook server's port on 127.0.0.1. */
  readonly port: number;
  /** PEM of the CA that signed the webhook server's certificate (for `caBundle`). */
  readonly caPem: string;
}

/** The webhook configurations to install, derived from Kueue's manifests (YAML text, several documents). */
export function kueueWebhookConfigurations(manifests: string, endpoint: KueueWebhookEndpoint): any[] {
  const documents = parseAllDocuments(manifests)
    .map((document) => document.toJS())
    .filter((document) => document?.kind === 'MutatingWebhookConfiguration' || document?.kind === 'ValidatingWebhookConfiguration');
  if (documents.length !== 2) {
    throw new Error(`Kueue's webhook manifests have ${documents.length} webhook configurations, expected 2 (one mutating, one validating)`);
  }
  const caBundle = Buffer.from(endpoint.caPem).toString('base64');
  return documents.map((configuration) => {
    const webhooks = (configuration.webhooks ?? []).filter(isKept);
    if (webhooks.length === 0) throw new Error(`${configuration.metadata.name} of Kueue's manifests has no webhook for Kueue's kinds or batch/v1 Jobs`);
    return {
      apiVersion: configuration.apiVersion,
      kind: configuration.kind,
      metadata: { name: `${NAME_PREFIX}${configuration.metadata.name}` },
      webhooks: webhooks.map((webhook: any) => {
        const servicePath: string | undefined = webhook.clientConfig?.service?.path;
        if (!servicePath) throw new Error(`webhook ${webhook.name} of Kueue's manifests has no clientConfig.service.path`);
        return {
          ...webhook,
          clientConfig: { url: `https://127.0.0.1:${endpoint.port}${servicePath}`, caBundle },
          ...(isJobWebhook(webhook) && {
            namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', KUEUE_NAMESPACE] }] },
          }),
        };
      }),
    };
  });
}

/** Rules of one webhook as `group/resource` strings. */
function ruleTargets(webhook: any): string[] {
  return (webhook.rules ?? []).flatMap((rule: any) =>
    (rule.apiGroups ?? []).flatMap((group: string) => (rule.resources ?? []).map((resource: string) => `${group}/${resource}`)),
  );
}

function isJobWebhook(webhook: any): boolean {
  const targets = ruleTargets(webhook);
  return targets.length > 0 && targets.every((target) => target === 'batch/jobs');
}

function isKept(webhook: any): boolean {
  const targets = ruleTargets(webhook);
  return targets.length > 0 && (isJobWebhook(webhook) || targets.every((target) => target.startsWith(`${KUEUE_API_GROUP}/`)));
}

/** `node kueue.js webhooks MANIFESTS PORT CA_FILE`: prints the webhook configurations as a JSON List. */
function main(args: readonly string[]): number {
  const [command, manifestsFile, port, caFile] = args;
  if (command !== 'webhooks' || args.length !== 4 || !/^\d+$/.test(port)) {
    process.stderr.write('usage: kueue.js webhooks MANIFESTS_YAML PORT CA_FILE\n');
    return 2;
  }
  try {
    const items = kueueWebhookConfigurations(fs.readFileSync(manifestsFile, 'utf8'), { port: Number(port), caPem: fs.readFileSync(caFile, 'utf8') });
    process.stdout.write(`${JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 2)}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`${manifestsFile}: ${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
