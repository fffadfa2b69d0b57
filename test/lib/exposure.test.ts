import { Testing } from 'cdk8s';
import { ModelService } from '../../lib/model-service';
import { GatewayOptions, IngressOptions } from '../../lib/exposure';
import { only, tenantChart, workloadObjects } from '../support/tenant';

const IMAGE = 'registry.example.com/nlp/llm-server:1.8.0';
const GATEWAY: GatewayOptions = { host: 'chat.vision.ml.example.com', gatewayName: 'ml-gateway', gatewayNamespace: 'gateway-system' };
const INGRESS: IngressOptions = { host: 'chat.vision.ml.example.com', className: 'nginx', controllerNamespace: 'ingress-nginx' };

/** A service `chat` on port 8000 in tenant vision, and what `expose` makes of it. */
function exposed(expose: (service: ModelService) => unknown) {
  const { chart, tenant } = tenantChart();
  const service = new ModelService(chart, 'chat', { tenant, image: IMAGE, port: 8000 });
  expose(service);
  return workloadObjects(chart);
}

const gatewayParent = (sectionName: string) => ({ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'ml-gateway', namespace: 'gateway-system', sectionName });

describe('ModelService.exposeViaGateway', () => {
  test('synthesizes the HTTPRoute and the gateway NetworkPolicy', () => {
    const objects = exposed((service) => service.exposeViaGateway(GATEWAY));
    expect(objects.filter((object) => object.kind === 'HTTPRoute' || object.kind === 'NetworkPolicy')).toMatchSnapshot();
  });

  test('attaches an HTTPRoute to the HTTPS listener of the platform Gateway only, for the host and path, to the service', () => {
    const route = only(exposed((service) => service.exposeViaGateway({ ...GATEWAY, path: '/v1' })), 'HTTPRoute');
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.metadata).toMatchObject({ name: 'chat', namespace: 'vision', labels: { 'app.kubernetes.io/name': 'chat', 'app.kubernetes.io/component': 'serving' } });
    expect(route.spec).toEqual({
      parentRefs: [gatewayParent('https')],
      hostnames: ['chat.vision.ml.example.com'],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/v1' } }], backendRefs: [{ group: '', kind: 'Service', name: 'chat', port: 80 }] }],
    });
  });

  test('attaches to the named listeners, the plain HTTP one only when allowed', () => {
    const route = only(exposed((service) => service.exposeViaGateway({ ...GATEWAY, httpsListener: 'tls-public', httpListener: 'web', allowPlainHttp: true })), 'HTTPRoute');
    expect(route.spec.parentRefs).toEqual([gatewayParent('tls-public'), gatewayParent('web')]);
  });

  test('admits the proxy namespace (the Gateway namespace unless given) to every pod of the service, on the server port only', () => {
    const policyOf = (options: GatewayOptions) => only(exposed((service) => service.exposeViaGateway(options)), 'NetworkPolicy');
    const expected = (namespace: string) => ({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'chat' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } }], ports: [{ protocol: 'TCP', port: 8000 }] }],
    });
    expect(policyOf(GATEWAY).metadata.name).toBe('chat-from-gateway');
    expect(policyOf(GATEWAY).spec).toEqual(expected('gateway-system'));
    expect(policyOf({ ...GATEWAY, proxyNamespace: 'envoy-proxies' }).spec).toEqual(expected('envoy-proxies'));
  });

  test('fails when the host is not a DNS name', () => {
    expect(() => exposed((service) => service.exposeViaGateway({ ...GATEWAY, host: 'Chat.example' }))).toThrow(
      new Error('ModelService chat: exposeViaGateway: host "Chat.example" is not a DNS name (lowercase labels separated by dots, e.g. chat.nlp.ml.example.com)'),
    );
  });

  test('fails when the path does not start with /', () => {
    expect(() => exposed((service) => service.exposeViaGateway({ ...GATEWAY, path: 'v1' }))).toThrow(new Error('ModelService chat: exposeViaGateway: path "v1" must start with "/"'));
  });

  test('fails when a listener name is not a valid name', () => {
    expect(() => exposed((service) => service.exposeViaGateway({ ...GATEWAY, httpsListener: 'HTTPS' }))).toThrow(
      new Error(`ModelService chat: exposeViaGateway: httpsListener "HTTPS" is not a valid name (lowercase letters, digits and '-', at most 63 characters)`),
    );
  });

  test('fails when plain HTTP is allowed on the HTTPS listener', () => {
    expect(() => exposed((service) => service.exposeViaGateway({ ...GATEWAY, httpListener: 'https', allowPlainHttp: true }))).toThrow(
      new Error(`ModelService chat: exposeViaGateway: httpListener and httpsListener are both "https"; name the Gateway's plain HTTP listener and its HTTPS listener`),
    );
  });
});

describe('ModelService.exposeViaIngress', () => {
  test('serves the host over TLS from the platform certificate secret', () => {
    const ingress = only(exposed((service) => service.exposeViaIngress({ ...INGRESS, tls: { secretName: 'wildcard-tls' } })), 'Ingress');
    expect(ingress.metadata.annotations).toBeUndefined();
    expect(ingress.spec.tls).toEqual([{ hosts: ['chat.vision.ml.example.com'], secretName: 'wildcard-tls' }]);
  });

  test('asks the cert-manager issuer for a certificate in <service>-tls', () => {
    const ingress = only(exposed((service) => service.exposeViaIngress({ ...INGRESS, tls: { clusterIssuer: 'letsencrypt' } })), 'Ingress');
    expect(ingress.metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt' });
    expect(ingress.spec.tls).toEqual([{ hosts: ['chat.vision.ml.example.com'], secretName: 'chat-tls' }]);
  });

  test('lets the controller reach the HTTP-01 solver pods of cert-manager, once per namespace, only with clusterIssuer', () => {
    const { chart, tenant } = tenantChart();
    for (const name of ['chat', 'embed']) {
      new ModelService(chart, name, { tenant, image: IMAGE, port: 8000 }).exposeViaIngress({
        ...INGRESS,
        host: `${name}.vision.ml.example.com`,
        tls: { clusterIssuer: 'letsencrypt' },
      });
    }
    const solvers = Testing.synth(chart).filter((object) => object.kind === 'NetworkPolicy' && object.metadata.name === 'allow-acme-http01-solvers');
    expect(solvers).toHaveLength(1);
    expect(solvers[0].metadata.namespace).toBe('vision');
    expect(solvers[0].spec).toEqual({
      podSelector: { matchLabels: { 'acme.cert-manager.io/http01-solver': 'true' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: [{ protocol: 'TCP', port: 8089 }] }],
    });
    const secretChart = tenantChart();
    new ModelService(secretChart.chart, 'chat', { tenant: secretChart.tenant, image: IMAGE, port: 8000 }).exposeViaIngress({ ...INGRESS, tls: { secretName: 'wildcard-tls' } });
    const policies = Testing.synth(secretChart.chart).filter((object) => object.kind === 'NetworkPolicy').map((object) => object.metadata.name);
    expect(policies).toContain('chat-from-ingress');
    expect(policies).not.toContain('allow-acme-http01-solvers');
  });

  test('fails when the HTTP-01 solvers are opened to a second controller namespace', () => {
    const { tenant } = tenantChart();
    tenant.allowAcmeHttp01Solvers('ingress-nginx');
    expect(tenant.allowAcmeHttp01Solvers('ingress-nginx').metadata.name).toBe('allow-acme-http01-solvers');
    expect(() => tenant.allowAcmeHttp01Solvers('traefik')).toThrow(
      new Error('TenantNamespace vision: allowAcmeHttp01Solvers: the solvers are already open to namespace "ingress-nginx", not "traefik"; expose every service through one Ingress controller'),
    );
  });

  test('serves plain HTTP only when allowed explicitly', () => {
    const ingress = only(exposed((service) => service.exposeViaIngress({ ...INGRESS, allowPlainHttp: true })), 'Ingress');
    expect(Object.keys(ingress.spec)).toEqual(['ingressClassName', 'rules']);
  });

  test('accepts a Secret and an issuer named with dots (DNS-1123 subdomains), and refuses other names', () => {
    const secret = only(exposed((service) => service.exposeViaIngress({ ...INGRESS, tls: { secretName: 'wildcard.ml.example.com' } })), 'Ingress');
    expect(secret.spec.tls).toEqual([{ hosts: ['chat.vision.ml.example.com'], secretName: 'wildcard.ml.example.com' }]);
    const issuer = only(exposed((service) => service.exposeViaIngress({ ...INGRESS, tls: { clusterIssuer: 'letsencrypt.prod' } })), 'Ingress');
    expect(issuer.metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt.prod' });
    expect(() => exposed((service) => service.exposeViaIngress({ ...INGRESS, tls: { secretName: 'wildcard..tls' } }))).toThrow(
      new Error(`ModelService chat: exposeViaIngress: tls.secretName "wildcard..tls" is not a valid name (a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', each part between dots starting and ending with a letter or digit, at most 253 characters)`),
    );
  });

  test('fails when neither tls nor plain HTTP is given', () => {
    expect(() => exposed((service) => service.exposeViaIngress(INGRESS))).toThrow(
      new Error('ModelService chat: exposeViaIngress: no tls given, and public services are HTTPS only; give tls.secretName or tls.clusterIssuer, or allowPlainHttp: true'),
    );
  });

  test('fails when tls names both a secret and an issuer', () => {
    const tls = { secretName: 'wildcard-tls', clusterIssuer: 'letsencrypt' } as unknown as IngressOptions['tls'];
    expect(() => exposed((service) => service.exposeViaIngress({ ...INGRESS, tls }))).toThrow(
      new Error('ModelService chat: exposeViaIngress: tls must name exactly one of secretName and clusterIssuer'),
    );
  });
});
