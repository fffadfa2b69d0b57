/**
 * `mlp report`: quota, requested resources and monthly committed cost per
 * tenant, with totals and the GPUs workloads hold by GPU type, as text,
 * Markdown, JSON or CSV (columns: docs/reviewing.md).
 */
import { ResourceAmounts, formatMoney } from '../review/cost';
import { loadConfig } from '../config/load';
import { PlatformReport, QueueTotals, TenantReport, platformReport } from '../review/report';
import { counted, csv, formatNumber, markdownTable, stableJson, textTable } from './format';
import { compareNames } from '../lib/names';

/** Formats `mlp report` writes. */
export const REPORT_FORMATS = ['text', 'markdown', 'json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Version of the JSON shape. */
export const REPORT_JSON_VERSION = 1;

const QUOTA_HEADING = 'Quota and monthly committed cost';
const QUOTA_HEADING_KUEUE = 'Quota (with Kueue: the guarantee of batch work) and monthly committed cost (guarantee and serving reserve)';
const QUEUEING_HEADING = 'Queueing (Kueue): GPUs guaranteed, reserved for serving, committed, and what each tenant may borrow and lend';
const CANARY_HEADING = 'Canary releases: each track of a model service with a canary, its replicas and its monthly cost at its peak (replicas.max + the rollout surge replica)';

export interface ReportOptions {
  readonly format: ReportFormat;
  readonly platformFile: string;
  readonly tenantsDir: string;
}

/** `36 / 288 / 33`: CPU cores / memory GiB / GPUs. */
function amounts(value: ResourceAmounts): string {
  return `${formatNumber(value.cpu)} / ${formatNumber(value.memoryGiB)} / ${value.gpus}`;
}

function gpuTypes(value: ResourceAmounts): string {
  return Object.entries(value.gpusByType)
    .sort(([a], [b]) => compareNames(a, b))
    .map(([type, count]) => `${count} ${type}`)
    .join(', ');
}

interface Tables {
  readonly quota: { header: string[]; rows: string[][] };
  readonly requested: { header: string[]; rows: string[][] };
  /** With Kueue: guaranteed, reserved, committed, borrowable and lendable GPUs per tenant. */
  readonly queueing?: { header: string[]; rows: string[][] };
  readonly gpus: { header: string[]; rows: string[][] };
  /** Tenants' model services with a canary, one row per track; absent when no service has one. */
  readonly canaries?: { header: string[]; rows: string[][] };
  readonly notes: string[];
}

/** `16 (8 a100-80gb, 8 l4)`, `16 (a100-80gb)`, `0`: GPUs with their types. */
function gpusWithTypes(value: ResourceAmounts): string {
  const types = Object.entries(value.gpusByType).sort(([a], [b]) => compareNames(a, b));
  if (types.length === 0) return String(value.gpus);
  if (types.length === 1 && types[0][1] === value.gpus) return `${value.gpus} (${types[0][0]})`;
  return `${value.gpus} (${gpuTypes(value)})`;
}

/** The GPUs and local disk GiB a tenant's namespace may hold at once: its quota, or with Kueue its ResourceQuota (guarantee + borrowing limit + serving reserve). */
function namespaceLimit(tenant: Pick<TenantReport, 'quota' | 'queueing'> | PlatformReport['totals']): { gpus: number; ephemeralStorageGiB: number } {
  return tenant.queueing?.resourceQuota ?? { gpus: tenant.quota.gpus, ephemeralStorageGiB: tenant.quota.ephemeralStorageGiB };
}

function tables(report: PlatformReport): Tables {
  const money = (amount: number) => formatMoney(amount, report.currency);
  const quotaRow = (name: string, tier: string, costCenter: string, tenant: Pick<TenantReport, 'quota' | 'monthlyCost'>) => [
    name,
    tier,
    costCenter,
    formatNumber(tenant.quota.cpu),
    formatNumber(tenant.quota.memoryGiB),
    String(tenant.quota.gpus),
    formatNumber(tenant.quota.storageGiB),
    String(tenant.quota.pods),
    formatNumber(tenant.quota.ephemeralStorageGiB),
    money(tenant.monthlyCost.total),
  ];
  const requestedRow = (name: string, tenant: Pick<TenantReport, 'requested' | 'quota' | 'queueing'> | PlatformReport['totals']) => {
    const limit = namespaceLimit(tenant);
    return [
      name,
      amounts(tenant.requested.jobs),
      amounts(tenant.requested.servicesAtMin),
      amounts(tenant.requested.servicesAtMax),
      `${tenant.requested.peak.gpus} of ${limit.gpus}${tenant.requested.peak.gpus > limit.gpus ? ' (over: not all at once)' : ''}`,
      gpuTypes(tenant.requested.peak),
      `${formatNumber(tenant.requested.peak.ephemeralStorageGiB)} of ${formatNumber(limit.ephemeralStorageGiB)}${
        tenant.requested.peak.ephemeralStorageGiB > limit.ephemeralStorageGiB ? ' (over: not all at once)' : ''
      }`,
    ];
  };
  const queueRow = (name: string, queue: QueueTotals, jobs: ResourceAmounts, weight: string) => [
    name,
    gpusWithTypes(queue.guarantee),
    gpusWithTypes(queue.servingReserve),
    String(queue.committed.gpus),
    gpusWithTypes(queue.borrowable),
    String(queue.lendable.gpus),
    weight,
    `${jobs.gpus} of ${queue.guarantee.gpus}${jobs.gpus > queue.guarantee.gpus ? ' (over: waits or borrows)' : ''}`,
  ];
  const canaryRows = report.tenants.flatMap((tenant) =>
    tenant.canaryReleases.flatMap((release) =>
      (['stable', 'canary'] as const).map((track) => {
        const entry = release[track];
        return [tenant.name, release.service, track, entry.name, entry.image, entry.weight === undefined ? 'replica ratio (no route)' : `${entry.weight}%`, `${entry.minReplicas}..${entry.maxReplicas}`, String(entry.peakPods), money(entry.monthlyCostAtPeak)];
      }),
    ),
  );
  const price = report.gpuQuotaPrice;
  const unclaimed = report.totals.quota.gpus - report.totals.requested.peak.gpus;
  const queueTotals = report.totals.queueing;
  return {
    quota: {
      header: ['TENANT', 'TIER', 'COST CENTER', 'CPU', 'MEMORY GiB', 'GPUs', 'STORAGE GiB', 'PODS', 'LOCAL DISK GiB', `MONTHLY COST (${report.currency})`],
      rows: [...report.tenants.map((tenant) => quotaRow(tenant.name, tenant.tier, tenant.costCenter, tenant)), quotaRow('TOTAL', '', '', report.totals)],
    },
    requested: {
      header: ['TENANT', 'JOBS CPU / GiB / GPUs', 'SERVICES AT MIN', 'SERVICES AT MAX', 'PEAK GPUs OF QUOTA', 'PEAK GPUs BY TYPE', 'PEAK LOCAL DISK GiB OF QUOTA'],
      rows: [...report.tenants.map((tenant) => requestedRow(tenant.name, tenant)), requestedRow('TOTAL', report.totals)],
    },
    ...(report.totals.queueing && {
      queueing: {
        header: ['TENANT', 'GUARANTEED GPUs', 'SERVING RESERVE GPUs', 'COMMITTED GPUs', 'MAY BORROW GPUs', 'MAY LEND GPUs', 'FAIR-SHARING WEIGHT', 'JOBS GPUs OF GUARANTEE'],
        rows: [
          ...report.tenants.flatMap((tenant) => (tenant.queueing ? [queueRow(tenant.name, tenant.queueing, tenant.requested.jobs, String(tenant.queueing.fairSharingWeight))] : [])),
          queueRow('TOTAL', report.totals.queueing, report.totals.requested.jobs, ''),
        ],
      },
    }),
    gpus: {
      header: ['GPU TYPE', `PRICE (${report.currency}/h)`, ...(queueTotals ? ['GUARANTEED'] : []), 'JOBS', 'SERVICES AT MIN', 'SERVICES AT MAX', 'ROLLOUT SURGE', 'PEAK', 'MONTHLY AT PEAK'],
      rows: report.gpuTypes.map((type) => [
        type.type,
        formatMoney(type.hourlyPrice, report.currency),
        ...(queueTotals ? [String(type.guaranteed ?? 0)] : []),
        String(type.jobs),
        String(type.servicesAtMin),
        String(type.servicesAtMax),
        String(type.rolloutSurge),
        String(type.peak),
        money(type.monthlyCostAtPeak),
      ]),
    },
    ...(canaryRows.length > 0 && {
      canaries: { header: ['TENANT', 'SERVICE', 'TRACK', 'DEPLOYMENT', 'IMAGE', 'WEIGHT', 'REPLICAS', 'PEAK PODS', 'MONTHLY AT PEAK'], rows: canaryRows },
    }),
    notes: queueTotals
      ? [
          `GPUs guaranteed to the tenants' queues (cohort ${report.queueing.cohort}): ${gpusWithTypes(queueTotals.guarantee)}; with the serving reserve of ${queueTotals.servingReserve.gpus} ` +
            `they commit ${queueTotals.committed.gpus} GPUs, ${money(report.totals.monthlyCost.gpu)} a month; tenants may borrow up to ${queueTotals.borrowable.gpus} more of each other's idle GPUs (not committed, not priced); ` +
            `workloads hold at most ${report.totals.requested.peak.gpus} at once.`,
          `Monthly cost is what each tenant commits at the prices of ${report.platformFile}, ${report.hoursPerMonth} hours a month: its guarantee (the quota; GPUs at the price of each GPU type of its split) ` +
            'plus the serving reserve of its model services (maximum replicas plus the rollout surge replica; GPUs at their types\' prices): ' +
            'CPU cores × cpuCoreHour + memory GiB × memoryGiBHour + GPUs × hourlyPrice, each × 730, + storage GiB × storageGiBMonth.',
          'Jobs count all their workers (workers × per worker), services their replicas at min and at max; peak = jobs + services at max + the surge replica each service adds during a rollout. Amounts are CPU cores / memory GiB / GPUs. ' +
            'With Kueue, the peak is held against the namespace quota: guarantee + what the tenant may borrow + serving reserve; jobs beyond the guarantee wait in the queue or run on borrowed GPUs.',
          'Local disk is ephemeral-storage (container logs, writable layers and /tmp), bounded by the quota and not priced.',
        ]
      : [
          `GPU quota granted: ${counted(report.totals.quota.gpus, 'GPU')}, committed at the default GPU type ${price.type} (${formatMoney(price.hourlyPrice, report.currency)}/h): ${money(report.totals.monthlyCost.gpu)} a month; ` +
            `workloads hold at most ${report.totals.requested.peak.gpus} at once${unclaimed > 0 ? `, ${unclaimed} granted but claimed by no workload` : ''}.`,
          `Monthly cost is what each quota commits at the prices of ${report.platformFile}, ${report.hoursPerMonth} hours a month: ` +
            'CPU cores × cpuCoreHour + memory GiB × memoryGiBHour + GPUs × the default GPU type\'s hourlyPrice, each × 730, + storage GiB × storageGiBMonth.',
          'Jobs count all their workers (workers × per worker), services their replicas at min and at max; peak = jobs + services at max + the surge replica each service adds during a rollout. Amounts are CPU cores / memory GiB / GPUs.',
          'Local disk is ephemeral-storage (container logs, writable layers and /tmp), bounded by the quota and not priced.',
        ],
  };
}

/** The numeric columns of the GPU type table, aligned right. */
function gpuColumns(gpus: Tables['gpus']): number[] {
  return gpus.header.slice(1).map((_, index) => index + 1);
}

export function renderReportText(report: PlatformReport): string {
  const { quota, requested, queueing, gpus, canaries, notes } = tables(report);
  const numeric = [3, 4, 5, 6, 7, 8, 9];
  return [
    `mlp report: ${counted(report.tenants.length, 'tenant')}, prices from ${report.platformFile}\n`,
    `\n${queueing ? QUOTA_HEADING_KUEUE : QUOTA_HEADING}\n`,
    textTable(quota.header, quota.rows, numeric),
    '\nRequested by jobs and services (CPU cores / memory GiB / GPUs)\n',
    textTable(requested.header, requested.rows),
    ...(queueing ? [`\n${QUEUEING_HEADING}\n`, textTable(queueing.header, queueing.rows)] : []),
    ...(canaries ? [`\n${CANARY_HEADING}\n`, textTable(canaries.header, canaries.rows, [7, 8])] : []),
    '\nGPU commitment by type\n',
    textTable(gpus.header, gpus.rows, gpuColumns(gpus)),
    '\n',
    notes.map((note) => `${note}\n`).join(''),
  ].join('');
}

export function renderReportMarkdown(report: PlatformReport): string {
  const { quota, requested, queueing, gpus, canaries, notes } = tables(report);
  const bold = (rows: string[][]) => rows.map((row) => (row[0] === 'TOTAL' ? row.map((cell) => (cell ? `**${cell === 'TOTAL' ? 'Total' : cell}**` : cell)) : row));
  return [
    `### mlp report: ${counted(report.tenants.length, 'tenant')}`,
    '',
    `#### ${queueing ? QUOTA_HEADING_KUEUE : QUOTA_HEADING}`,
    '',
    markdownTable(quota.header, bold(quota.rows), [3, 4, 5, 6, 7, 8, 9]),
    '#### Requested by jobs and services',
    '',
    markdownTable(requested.header, bold(requested.rows)),
    ...(queueing ? [`#### ${QUEUEING_HEADING}`, '', markdownTable(queueing.header, bold(queueing.rows))] : []),
    ...(canaries ? [`#### ${CANARY_HEADING}`, '', markdownTable(canaries.header, canaries.rows, [7, 8])] : []),
    '#### GPU commitment by type',
    '',
    markdownTable(gpus.header, gpus.rows, gpuColumns(gpus)),
    ...notes.map((note) => `<sub>${note}</sub>\n`),
  ].join('\n');
}

/** The CSV columns, in order. */
export const REPORT_CSV_COLUMNS = [
  'tenant',
  'tier',
  'cost_center',
  'quota_cpu',
  'quota_memory_gib',
  'quota_gpus',
  'quota_storage_gib',
  'quota_pods',
  'quota_ephemeral_storage_gib',
  'jobs_cpu',
  'jobs_memory_gib',
  'jobs_gpus',
  'services_min_cpu',
  'services_min_memory_gib',
  'services_min_gpus',
  'services_max_cpu',
  'services_max_memory_gib',
  'services_max_gpus',
  'peak_gpus',
  'peak_ephemeral_storage_gib',
  'checkpoint_storage_gib',
  'monthly_cost_cpu',
  'monthly_cost_memory',
  'monthly_cost_gpu',
  'monthly_cost_storage',
  'monthly_cost',
  'currency',
  'guaranteed_gpus',
  'serving_reserve_gpus',
  'committed_gpus',
  'borrowable_gpus',
  'lendable_gpus',
  'fair_sharing_weight',
] as const;

export function renderReportCsv(report: PlatformReport): string {
  const queue = (value: QueueTotals | undefined, weight: number | undefined) =>
    value === undefined ? ['', '', '', '', '', ''] : [value.guarantee.gpus, value.servingReserve.gpus, value.committed.gpus, value.borrowable.gpus, value.lendable.gpus, weight ?? ''];
  const row = (name: string, tier: string, costCenter: string, tenant: Pick<TenantReport, 'quota' | 'requested' | 'monthlyCost' | 'queueing'> | PlatformReport['totals'], weight?: number) => [
    name,
    tier,
    costCenter,
    tenant.quota.cpu,
    tenant.quota.memoryGiB,
    tenant.quota.gpus,
    tenant.quota.storageGiB,
    tenant.quota.pods,
    tenant.quota.ephemeralStorageGiB,
    tenant.requested.jobs.cpu,
    tenant.requested.jobs.memoryGiB,
    tenant.requested.jobs.gpus,
    tenant.requested.servicesAtMin.cpu,
    tenant.requested.servicesAtMin.memoryGiB,
    tenant.requested.servicesAtMin.gpus,
    tenant.requested.servicesAtMax.cpu,
    tenant.requested.servicesAtMax.memoryGiB,
    tenant.requested.servicesAtMax.gpus,
    tenant.requested.peak.gpus,
    tenant.requested.peak.ephemeralStorageGiB,
    tenant.requested.checkpointStorageGiB,
    tenant.monthlyCost.cpu.toFixed(2),
    tenant.monthlyCost.memory.toFixed(2),
    tenant.monthlyCost.gpu.toFixed(2),
    tenant.monthlyCost.storage.toFixed(2),
    tenant.monthlyCost.total.toFixed(2),
    report.currency,
    ...queue(tenant.queueing, weight),
  ];
  return csv(REPORT_CSV_COLUMNS, [
    ...report.tenants.map((tenant) => row(tenant.name, tenant.tier, tenant.costCenter, tenant, tenant.queueing?.fairSharingWeight)),
    row('TOTAL', '', '', report.totals),
  ]);
}

export function renderReportJson(report: PlatformReport): string {
  return stableJson({ version: REPORT_JSON_VERSION, ...report });
}

/** Runs `mlp report`; returns the exit status. */
export function runReport(options: ReportOptions, out: NodeJS.WritableStream): number {
  const report = platformReport(loadConfig({ platformFile: options.platformFile, tenantsDir: options.tenantsDir }));
  const render = { text: renderReportText, markdown: renderReportMarkdown, json: renderReportJson, csv: renderReportCsv }[options.format];
  out.write(render(report));
  return 0;
}
