/**
 * Container image references: `registry.example.com/team/model:1.2.3` or
 * `registry.example.com/team/model@sha256:<64 hex>`.
 */

const IMAGE_PATTERN =
  /^(?<repository>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;

/** The parts of an image reference. */
export interface ImageReference {
  /** Registry host and path, e.g. `registry.example.com/team/model`. */
  readonly repository: string;
  /** The tag, when written. */
  readonly tag?: string;
  /** The digest, when written (`sha256:...`). */
  readonly digest?: string;
}

/**
 * Parses an image reference that names its registry explicitly.
 *
 * @returns undefined when `image` is not a fully qualified reference.
 */
export function parseImage(image: string): ImageReference | undefined {
  const match = IMAGE_PATTERN.exec(image);
  if (!match?.groups) return undefined;
  const { repository, tag, digest } = match.groups;
  return { repository, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

/**
 * Why an image is not pinned to an immutable version, or undefined when it is:
 * a digest, or a tag other than `latest`.
 */
export function unpinnedReason(image: ImageReference): string | undefined {
  if (image.digest) return undefined;
  if (image.tag === undefined) return 'has no tag or digest';
  if (image.tag === 'latest') return 'uses the mutable tag "latest"';
  return undefined;
}

/**
 * True when `image` comes from `registry`, a host optionally followed by a
 * path prefix (`ghcr.io/example-org`). Matches whole path segments only.
 */
export function isFromRegistry(image: ImageReference, registry: string): boolean {
  const prefix = registry.replace(/\/+$/, '');
  return image.repository === prefix || image.repository.startsWith(`${prefix}/`);
}
