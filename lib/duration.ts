/**
 * Duration formats that constructs check and the file schemas (config/schema)
 * validate against, kept here so that both use one pattern.
 */

/**
 * A Prometheus duration, units in decreasing order as Prometheus requires:
 * `30m`, `1h30m`, `15d`.
 */
export const PROMETHEUS_DURATION = /^(?=\d)(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;
