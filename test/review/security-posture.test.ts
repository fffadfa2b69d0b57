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
      'plain-http: chat.nlp.ml.example.com/ is served over plain HTTP too (the Ingress has no TLS for the host)',
      'service-exposure: Service chat is reachable from outside the cluster (type LoadBalancer)',
    ]);
  });

  describe('exposure', () => {
    const HOST = 'chat.nlp.ml.example.com';
    const ingress = (tls: boolean): KubeObject => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'chat', namespace: 'nlp' },
      spec: {
        ingressClassName: 'nginx',
        rules: [{ host: HOST, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'chat', port: { name: 'http' } } } }] } }],
        ...(tls && { tls: [{ hosts: [HOST], secretName: 'wildcard-tls' }] }),
      },
    });
    const parent = (sectionName: string) => ({ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'ml-gateway', namespace: 'gateway-system', sectionName });
    const route = (...listeners: string[]): KubeObject => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'chat', namespace: 'nlp' },
      spec: {
        parentRefs: listeners.map(parent),
        hostnames: [HOST],
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ group: '', kind: 'Service', name: 'chat', port: 80 }] }],
      },
    });
    const lines = (before: KubeObject[], after: KubeObject[]) => securityChanges(before, after).map((change) => `${change.category}: ${change.message} (${change.object})`);

    test('a move from an Ingress with TLS to an HTTPRoute on the HTTPS listener is one change', () => {
      expect(lines([ingress(true)], [route('https')])).toEqual([
        'public-ingress: serves chat.nlp.ml.example.com/ through Gateway gateway-system/ml-gateway instead of the ingress (HTTPRoute chat)',
      ]);
    });

    test('a move from an Ingress without TLS to HTTPS only says that plain HTTP is no longer served', () => {
      expect(lines([ingress(false)], [route('https')])).toEqual([
        'public-ingress: serves chat.nlp.ml.example.com/ through Gateway gateway-system/ml-gateway instead of the ingress (HTTPRoute chat)',
        'plain-http: chat.nlp.ml.example.com/ is no longer served over plain HTTP (Ingress chat)',
      ]);
    });

    test('a route that also attaches to the plain HTTP listener is flagged, and the reverse', () => {
      expect(lines([route('https')], [route('https', 'http')])).toEqual([
        'plain-http: chat.nlp.ml.example.com/ is served over plain HTTP too (listener http of Gateway gateway-system/ml-gateway) (HTTPRoute chat)',
      ]);
      expect(lines([route('https', 'http')], [route('https')])).toEqual(['plain-http: chat.nlp.ml.example.com/ is no longer served over plain HTTP (HTTPRoute chat)']);
    });

    test('a new public route and a removed one; a removed path does not also say it stopped plain HTTP', () => {
      expect(lines([], [route('https')])).toEqual(['public-ingress: serves chat.nlp.ml.example.com/ publicly through Gateway gateway-system/ml-gateway (HTTPRoute chat)']);
      expect(lines([route('https', 'http')], [])).toEqual(['public-ingress: no longer serves chat.nlp.ml.example.com/ through Gateway gateway-system/ml-gateway (HTTPRoute chat)']);
      expect(lines([ingress(false)], [])).toEqual(['public-ingress: no longer serves chat.nlp.ml.example.com/ through the ingress (Ingress chat)']);
    });

    test('an Ingress that gains TLS no longer serves plain HTTP', () => {
      expect(lines([ingress(false)], [ingress(true)])).toEqual(['plain-http: chat.nlp.ml.example.com/ is no longer served over plain HTTP (Ingress chat)']);
    });

    test('a canary split of the backends changes nothing in the exposure', () => {
      const split = route('https');
      (split.spec as any).rules[0].backendRefs = [
        { group: '', kind: 'Service', name: 'chat-stable', port: 80, weight: 90 },
        { group: '', kind: 'Service', name: 'chat-canary', port: 80, weight: 10 },
      ];
      expect(lines([route('https')], [split])).toEqual([]);
    });
  });

  test('finds nothing when the posture is the same', () => {
    const objects = [namespace('restricted'), binding('tenant-owners', 'admin', [{ kind: 'User', name: 'a@example.com' }])];
    expect(securityChanges(objects, objects)).toEqual([]);
  });
});
