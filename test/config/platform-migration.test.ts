import { parse } from 'yaml';
import { migrateOldPlatformText } from '../../config/platform-migration';

describe('migrateOldPlatformText', () => {
  test('rewrites spec.ingress to spec.exposure in mode ingress, plain HTTP allowed (the old Ingress had no TLS)', () => {
    const old = 'spec:\n  defaultGpuType: a100\n  ingress:\n    className: nginx\n    namespace: ingress-nginx\n    domain: ml.example.com\n';
    expect(parse(migrateOldPlatformText(old))).toEqual({
      spec: {
        defaultGpuType: 'a100',
        exposure: { domain: 'ml.example.com', mode: 'ingress', ingress: { className: 'nginx', namespace: 'ingress-nginx' }, allowPlainHttp: true },
      },
    });
  });

  test('leaves out the controller fields the old file left to their defaults', () => {
    expect(parse(migrateOldPlatformText('spec:\n  ingress:\n    domain: ml.example.com\n'))).toEqual({
      spec: { exposure: { domain: 'ml.example.com', mode: 'ingress', ingress: {}, allowPlainHttp: true } },
    });
  });

  test('leaves a file with spec.exposure, or without spec.ingress, as written', () => {
    const both = 'spec:\n  ingress:\n    className: nginx\n  exposure:\n    domain: ml.example.com\n';
    expect(migrateOldPlatformText(both)).toBe(both);
    const current = 'spec:\n  exposure:\n    domain: ml.example.com\n';
    expect(migrateOldPlatformText(current)).toBe(current);
  });
});
