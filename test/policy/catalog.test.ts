import { Testing } from 'cdk8s';
import { ModelService } from '../../lib/model-service';
import { POLICIES } from '../../policy/catalog';
import { only, tenantChart } from '../support/tenant';

describe('policy catalog', () => {
  test('MLP007 promises TLS termination at the entry point, since an exposed service is HTTPS only', () => {
    const { chart, tenant } = tenantChart();
    new ModelService(chart, 'detector', { tenant, image: 'registry.example.com/vision/server:1.0.0' }).exposeViaIngress({
      host: 'detector.vision.ml.example.com',
      className: 'nginx',
      controllerNamespace: 'ingress-nginx',
      tls: { secretName: 'wildcard-tls' },
    });
    const ingress = only(Testing.synth(chart), 'Ingress');
    expect(ingress.spec.tls).toEqual([{ hosts: ['detector.vision.ml.example.com'], secretName: 'wildcard-tls' }]);
    expect(POLICIES.MLP007.rationale).toContain('which terminates TLS');
    expect(() =>
      new ModelService(chart, 'plain', { tenant, image: 'registry.example.com/vision/server:1.0.0' }).exposeViaIngress({
        host: 'plain.vision.ml.example.com',
        className: 'nginx',
        controllerNamespace: 'ingress-nginx',
      }),
    ).toThrow('public services are HTTPS only');
  });
});
