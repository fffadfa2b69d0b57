/**
 * Kubernetes name rules and the one order of names: every pattern a name or
 * host is checked against, in the constructs, the file schemas and the Pulumi
 * program alike.
 */

/**
 * A DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or
 * digit; at most 63 characters, checked apart. What Kubernetes accepts as a namespace name.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-label-names
 */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * A DNS-1035 label: a DNS-1123 label that starts with a letter. What Kubernetes accepts as a
 * Service name.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#rfc-1035-label-names
 */
export const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * A DNS-1123 subdomain: DNS-1123 labels joined by dots; at most 253 characters, checked apart.
 * What Kubernetes accepts as the name of most objects (a Secret, a ClusterIssuer).
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-subdomain-names
 */
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** What {@link DNS1123_SUBDOMAIN} allows, in words, for error messages. */
export const DNS1123_SUBDOMAIN_RULE = "lowercase letters, digits, '-' and '.', each part between dots starting and ending with a letter or digit, at most 253 characters";

/** A fully qualified host or domain name: DNS-1123 labels joined by dots, ending in a top-level domain of letters. */
export const DNS_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/;

/**
 * The order of names wherever output depends on it: by UTF-16 code units, as `<` compares
 * strings, independent of the locale (unlike `localeCompare`).
 */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
