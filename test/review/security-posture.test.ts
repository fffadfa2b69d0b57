import { securityChanges } from '../../review/security-posture';
import { KubeObject } from '../../policy/kube-object';

const networkPolicy = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace: 'nlp' },
  spec: { podSelector: {}, ...spec },
});
const binding = (name: string, role: string, subjects: Array<{ kind: string; name: string }>): KubeObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name, namespace: 'nlp' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
  subjects: subjects.map((subject) => ({ apiGroup: 'rbac.authorization.k8s.io', ...subject })),
});
const namespace = (level: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'nlp', labels: { 'pod-security.kubernetes.io/enforce': level } } });

describe('securityChanges', () => {
  test('flags new and removed RBAC subjects', () => {
    const before = [binding('tenant-members', 'edit', [{ kind: 'Group', name: 'nlp-engineers' }, { kind: 'User', name: 'old@example.com' }])];
    const after = [binding('tenant-members', 'edit', [{ kind: 'Group', name: 'nlp-engineers' }, { kind: 'Group', name: 'contractors' }])];
    expect(securityChanges(before, after).map((change) => `${change.change}: ${change.message}`)).toEqual([
      'added: grants ClusterRole edit to Group contractors in namespace nlp',
      'removed: revokes ClusterRole edit from User old@example.com in namespace nlp',
    ]);
  });

  test('flags opened egress (internet, CIDRs) and new allowFrom namespaces, but not the baseline policies', () => {
    const baseline = [networkPolicy('allow-dns', { egress: [{ to: [{ namespaceSelector: {} }] }] })];
    const after = [
      ...baseline,
      networkPolicy('allow-internet', { egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }, { ipBlock: { cidr: '::/0' } }] }] }),
      networkPolicy('allow-egress-cidrs', { egress: [{ to: [{ ipBlock: { cidr: '10.40.0.0/16' } }] }] }),
      networkPolicy('allow-from-web', { ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'web' } } }] }] }),
    ];
    expect(securityChanges(baseline, after).map((change) => [change.category, change.message, change.object])).toEqual([
      ['egress', 'pods may now connect to CIDR 10.40.0.0/16', 'NetworkPolicy allow-egress-cidrs'],
      ['egress', 'pods may now connect to the public internet', 'NetworkPolicy allow-internet'],
      ['ingress-from', 'pods now accept connections from namespace web', 'NetworkPolicy allow-from-web'],
    ]);
  });

  test('flags a changed Pod Security level, new public hosts and exposed Services', () => {
    const ingress: KubeObject = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'chat', namespace: 'nlp' },
      spec: { rules: [{ host: 'chat.nlp.ml.example.com', http: { paths: [{ path: '/' }] } }] },
    };
    const service: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'chat', namespace: 'nlp' }, spec: { type: 'LoadBalancer' } };
    expect(securityChanges([namespace('restricted')], [namespace('baseline'), ingress, service]).map((change) => `${change.category}: ${change.message}`)).toEqual([
      'pod-security: Pod Security level enforced in namespace nlp: restricted → baseline',
      'public-ingress: serves chat.nlp.ml.example.com/ publicly through the ingress',
      'service-exposure: Service chat is reachable from outside the cluster (type LoadBalancer)',
    ]);
  });

  test('flags the hosts of a new HTTPRoute, and nothing when a service moves from its Ingress to a route at the same host and path', () => {
    const route = (hostnames: string[]): KubeObject => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'chat', namespace: 'nlp' },
      spec: { hostnames, rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }] },
    });
    const ingress: KubeObject = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'chat', namespace: 'nlp' },
      spec: { rules: [{ host: 'chat.nlp.ml.example.com', http: { paths: [{ path: '/' }] } }] },
    };
    expect(securityChanges([], [route(['chat.nlp.ml.example.com'])]).map((change) => [change.category, change.message, change.object])).toEqual([
      ['public-ingress', 'serves chat.nlp.ml.example.com/ publicly through the gateway', 'HTTPRoute chat'],
    ]);
    expect(securityChanges([], [route([])]).map((change) => change.message)).toEqual(['serves */ publicly through the gateway']);
    expect(securityChanges([ingress], [route(['chat.nlp.ml.example.com'])])).toEqual([]);
  });

  test('finds nothing when the posture is the same', () => {
    const objects = [namespace('restricted'), binding('tenant-owners', 'admin', [{ kind: 'User', name: 'a@example.com' }])];
    expect(securityChanges(objects, objects)).toEqual([]);
  });
});
