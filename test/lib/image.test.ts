import { isFromRegistry, parseImage, unpinnedReason } from '../../lib/image';

describe('image references', () => {
  test('parses registry, tag and digest', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseImage('registry.example.com:5000/team/model:1.2.3')).toEqual({ repository: 'registry.example.com:5000/team/model', tag: '1.2.3' });
    expect(parseImage(`ghcr.io/org/model@${digest}`)).toEqual({ repository: 'ghcr.io/org/model', digest });
  });

  test('refuses references without a registry path or with upper case', () => {
    expect(parseImage('nginx')).toBeUndefined();
    expect(parseImage('Registry.example.com/Model:1')).toBeUndefined();
  });

  test('says why a reference is not pinned', () => {
    expect(unpinnedReason(parseImage('r.io/a/b')!)).toBe('has no tag or digest');
    expect(unpinnedReason(parseImage('r.io/a/b:latest')!)).toBe('uses the mutable tag "latest"');
    expect(unpinnedReason(parseImage('r.io/a/b:1.0')!)).toBeUndefined();
  });

  test('matches registries by whole path segments', () => {
    const image = parseImage('ghcr.io/example-org/model:1.0')!;
    expect(isFromRegistry(image, 'ghcr.io')).toBe(true);
    expect(isFromRegistry(image, 'ghcr.io/example-org/')).toBe(true);
    expect(isFromRegistry(image, 'ghcr.io/example')).toBe(false);
    expect(isFromRegistry(parseImage('ghcr.io.evil.com/x/y:1')!, 'ghcr.io')).toBe(false);
  });
});
