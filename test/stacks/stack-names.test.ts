import { PLATFORM_STACK, TENANT_STACK_PREFIX, sortStackNames, tenantOfStack, tenantStackName } from '../../stacks/stack-names';

describe('stack names', () => {
  test('name the platform stack "platform" and a tenant\'s stack "tenant-<tenant>", so that a tenant called platform has its own stack', () => {
    expect([PLATFORM_STACK, TENANT_STACK_PREFIX]).toEqual(['platform', 'tenant-']);
    expect(tenantStackName('nlp')).toBe('tenant-nlp');
    expect(tenantStackName('platform')).toBe('tenant-platform');
  });

  test('read the tenant back from a tenant stack name', () => {
    expect(tenantOfStack('tenant-nlp')).toBe('nlp');
    expect(tenantOfStack('tenant-platform')).toBe('platform');
    expect(tenantOfStack('tenant-tenant-a')).toBe('tenant-a');
  });

  test.each(['platform', 'dev', 'tenant-', 'tenant-NLP', 'tenant-nlp-', 'tenants-nlp', 'tenant_nlp'])('find no tenant in %j', (stack) => {
    expect(tenantOfStack(stack)).toBeUndefined();
  });

  test('sort the platform first, then tenant stacks by tenant name, then other names, each once', () => {
    expect(sortStackNames(['tenant-vision', 'dev', 'tenant-a-b', 'platform', 'tenant-a', 'tenant-vision', 'migration'])).toEqual([
      'platform',
      'tenant-a',
      'tenant-a-b',
      'tenant-vision',
      'dev',
      'migration',
    ]);
    expect(sortStackNames(new Set(['tenant-b', 'tenant-a']))).toEqual(['tenant-a', 'tenant-b']);
    expect(sortStackNames([])).toEqual([]);
  });
});
