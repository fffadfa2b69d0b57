import * as fs from 'fs';
import * as path from 'path';
import { loadConfig } from '../../config/load';
import { ValidationError, formatProblem } from '../../config/problems';
import { INGRESS_REPLACED } from '../../config/schema/platform';
import { FIXTURE_PLATFORM_FILE, minimalTenant, scratchProject } from '../support/fixtures';

/** The fixture platform's spec.exposure block, as the fixture file writes it. */
const FIXTURE_EXPOSURE = `  exposure:
    domain: ml.example.com
    mode: gateway
    gateway:
      name: ml-gateway
      namespace: gateway-system
`;

/** Loads the fixture platform with its spec.exposure block replaced by `exposure`, and the given tenants. */
function load(exposure: string, tenants: Record<string, string> = { 'vision.yaml': minimalTenant('vision') }) {
  const project = scratchProject(tenants);
  const text = fs.readFileSync(project.platformFile, 'utf8');
  expect(text).toContain(FIXTURE_EXPOSURE);
  fs.writeFileSync(project.platformFile, text.replace(FIXTURE_EXPOSURE, exposure));
  try {
    return { config: loadConfig({ platformFile: project.platformFile, tenantsDir: project.tenantsDir }), problems: [] as string[] };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { config: undefined, problems: error.problems.map((problem) => formatProblem(problem).split(`${project.dir}${path.sep}`).join('')) };
  } finally {
    fs.rmSync(project.dir, { recursive: true, force: true });
  }
}

/** The line of `needle` in the fixture platform file once `exposure` is in it. */
function lineOf(exposure: string, needle: string): number {
  const text = fs.readFileSync(FIXTURE_PLATFORM_FILE, 'utf8').replace(FIXTURE_EXPOSURE, exposure);
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  expect(index).toBeGreaterThanOrEqual(0);
  return index + 1;
}

describe('platform spec.exposure', () => {
  test('defaults: mode gateway, the https and http listeners, the proxy in the Gateway namespace, no plain HTTP', () => {
    const { config, problems } = load(FIXTURE_EXPOSURE);
    expect(problems).toEqual([]);
    expect(config!.platform.spec.exposure).toEqual({
      domain: 'ml.example.com',
      mode: 'gateway',
      gateway: { name: 'ml-gateway', namespace: 'gateway-system', httpsListener: 'https', httpListener: 'http' },
      allowPlainHttp: false,
    });
  });

  test('fails when an old platform file has spec.ingress, with one error naming the replacement', () => {
    const old = `  ingress:
    className: nginx
    namespace: ingress-nginx
    domain: ml.example.com
`;
    // Reported at the line of the removed field's key, `ingress:`.
    expect(load(old).problems).toEqual([`platform.yaml:${lineOf(old, '  ingress:')}: spec.ingress: ${INGRESS_REPLACED}`]);
    expect(INGRESS_REPLACED).toBe('spec.ingress was replaced by spec.exposure: {domain, mode: ingress, ingress: {className, namespace, tls}}; see docs/exposure.md');
  });

  test('fails when spec.ingress is left beside spec.exposure', () => {
    const both = `${FIXTURE_EXPOSURE}  ingress:
    className: nginx
`;
    expect(load(both).problems).toEqual([`platform.yaml:${lineOf(both, '  ingress:')}: spec.ingress: ${INGRESS_REPLACED}`]);
  });

  test('fails when mode gateway has no gateway', () => {
    const exposure = `  exposure:
    domain: ml.example.com
`;
    expect(load(exposure).problems).toEqual([
      `platform.yaml:${lineOf(exposure, '  exposure:')}: spec.exposure.gateway: is required when mode is gateway: {name, namespace} of the parent Gateway; see docs/exposure.md`,
    ]);
  });

  test('fails when mode ingress has no tls and plain HTTP is not allowed', () => {
    const exposure = `  exposure:
    domain: ml.example.com
    mode: ingress
    ingress:
      className: nginx
`;
    expect(load(exposure).problems).toEqual([
      `platform.yaml:${lineOf(exposure, '    ingress:')}: spec.exposure.ingress.tls: is required: public services are HTTPS only; set tls.secretName (a TLS Secret in each tenant namespace) or tls.clusterIssuer (cert-manager), or allowPlainHttp: true`,
    ]);
  });

  test('loads mode ingress with plain HTTP allowed explicitly', () => {
    const { config, problems } = load(`  exposure:
    domain: ml.example.com
    mode: ingress
    ingress: {}
    allowPlainHttp: true
`);
    expect(problems).toEqual([]);
    expect(config!.platform.spec.exposure).toEqual({ domain: 'ml.example.com', mode: 'ingress', ingress: { className: 'nginx', namespace: 'ingress-nginx' }, allowPlainHttp: true });
  });

  test('fails when tls names both a secret and an issuer', () => {
    const exposure = `  exposure:
    domain: ml.example.com
    mode: ingress
    ingress:
      tls: {secretName: wildcard-tls, clusterIssuer: letsencrypt}
`;
    expect(load(exposure).problems).toEqual([
      `platform.yaml:${lineOf(exposure, '      tls:')}: spec.exposure.ingress.tls: set exactly one of secretName (a TLS Secret in each tenant namespace) and clusterIssuer (cert-manager), got both`,
    ]);
  });

  test('fails when the settings of the other mode are given', () => {
    const exposure = `${FIXTURE_EXPOSURE}    ingress: {tls: {secretName: wildcard-tls}}
`;
    expect(load(exposure).problems).toEqual([
      `platform.yaml:${lineOf(exposure, '    ingress: {tls')}: spec.exposure.ingress: is used only when mode is ingress, and mode is gateway; remove ingress, or set mode: ingress`,
    ]);
  });

  test('fails when gateway.httpListener is given without allowPlainHttp: true', () => {
    for (const plain of ['', '    allowPlainHttp: false\n']) {
      const exposure = `${FIXTURE_EXPOSURE}      httpListener: web\n${plain}`;
      expect(load(exposure).problems).toEqual([
        `platform.yaml:${lineOf(exposure, '      httpListener: web')}: spec.exposure.gateway.httpListener: "web" is used only with allowPlainHttp: true, and public services are HTTPS only without it; remove httpListener, or set spec.exposure.allowPlainHttp: true to also serve plain HTTP on that listener`,
      ]);
    }
    const allowed = load(`${FIXTURE_EXPOSURE}      httpListener: web\n    allowPlainHttp: true\n`);
    expect(allowed.problems).toEqual([]);
    expect(allowed.config!.platform.spec.exposure.gateway!.httpListener).toBe('web');
  });

  test('accepts TLS Secret and ClusterIssuer names with dots (DNS-1123 subdomains), not other names', () => {
    const withTls = (tls: string) => `  exposure:\n    domain: ml.example.com\n    mode: ingress\n    ingress:\n      tls: {${tls}}\n`;
    expect(load(withTls('secretName: wildcard.ml.example.com')).config!.platform.spec.exposure.ingress!.tls).toEqual({ secretName: 'wildcard.ml.example.com' });
    expect(load(withTls('clusterIssuer: letsencrypt.prod')).config!.platform.spec.exposure.ingress!.tls).toEqual({ clusterIssuer: 'letsencrypt.prod' });
    expect(load(withTls('secretName: Wildcard_TLS')).problems).toEqual([
      `platform.yaml:${lineOf(withTls('secretName: Wildcard_TLS'), '      tls:')}: spec.exposure.ingress.tls.secretName: a Secret name must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', each part between dots starting and ending with a letter or digit, at most 253 characters), got "Wildcard_TLS"`,
    ]);
  });

  test('fails when a tenant takes the name of the gateway proxy namespace', () => {
    const exposure = `${FIXTURE_EXPOSURE}      proxyNamespace: envoy-proxies
`;
    expect(load(exposure, { 'envoy-proxies.yaml': minimalTenant('envoy-proxies') }).problems).toEqual([
      'tenants/envoy-proxies.yaml:4: metadata.name: "envoy-proxies" is reserved for the platform or Kubernetes (default, kube-system, kube-public, kube-node-lease, monitoring, gateway-system, envoy-proxies, kube-*); choose another tenant name',
    ]);
  });
});
