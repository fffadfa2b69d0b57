import { Testing } from 'cdk8s';
import { ModelService } from '../../lib/model-service';
import { POLICIES } from '../../policy/catalog';
import { only, tenantChart } from '../support/tenant';

describe('policy catalog', () => {
  test('MLP007 promises no TLS termination, since no Ingress has a tls section', () => {
    const { chart, tenant } = tenantChart();
    new ModelService(chart, 'detector', { tenant, image: 'registry.example.com/vision/server:1.0.0' }).exposeViaIngress({
      host: 'detector.vision.ml.example.com',
      className: 'nginx',
      controllerNamespace: 'ingress-nginx',
    });
    const ingress = only(Testing.synth(chart), 'Ingress');
    expect(ingress.spec.rules).toHaveLength(1);
    expect(ingress.spec.tls).toBeUndefined();
    expect(POLICIES.MLP007.rationale).not.toMatch(/terminates TLS/);
    expect(POLICIES.MLP007.rationale).toContain('(the ingress does not terminate TLS yet: no Ingress has a tls section)');
  });
});
