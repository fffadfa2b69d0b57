/**
 * `mlp diff`: what the tenant files of the work tree change against a git
 * revision, per tenant and by meaning, as text, a Markdown pull-request
 * comment, or JSON for scripts (shape: docs/reviewing.md).
 */
import { formatMoney } from '../review/cost';
import { loadConfig } from '../config/load';
import { DEPLOY_CATEGORY_LABELS, DeployEffect } from '../review/deploy-effects';
import { FieldChange, formatChange } from '../review/object-diff';
import { loadConfigAtRef } from '../review/git-base';
import { SECURITY_CATEGORY_LABELS } from '../review/security-posture';
import { QUEUE_CATEGORY_LABELS } from '../review/queue-changes';
import { CANARY_CATEGORY_LABELS } from '../review/canary-changes';
import { GroupDiff, LabelChange, MoneyChange, ObjectRef, QuotaChange, SemanticDiff, labelKey, semanticDiff } from '../review/semantic-diff';
import { alignedRows, counted, markdownCell, markdownTable, stableJson, textTable } from './format';

/** Formats `mlp diff` writes. */
export const DIFF_FORMATS = ['text', 'markdown', 'json'] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

/** Version of the JSON shape; raised when a field changes meaning or disappears. */
export const DIFF_JSON_VERSION = 1;

/** First line of the Markdown output; CI finds its earlier comment by it and updates that. */
export const DIFF_COMMENT_MARKER = '<!-- mlp-diff -->';

/** The heading of the canary changes. */
const CANARY_HEADING = 'Canary releases (model services: started, weight, image, replicas, removed, promoted)';

/** The heading of the queueing changes. */
const QUEUEING_HEADING = 'Queueing changes (Kueue: guarantees, borrowing and lending, fair sharing, priorities)';

/** GitHub refuses comments over 65,536 characters; details beyond this budget are left out. */
const MARKDOWN_BUDGET = 60_000;

export interface DiffOptions {
  /** The git revision to compare against. */
  readonly base: string;
  readonly format: DiffFormat;
  readonly platformFile: string;
  readonly tenantsDir: string;
}

/** The note every output carries: what the base is and what it is not. */
function libraryNote(diff: SemanticDiff): string {
  const base = diff.base.hasPlatformFile
    ? `The platform file and tenant files of ${diff.base.ref} were read from git and synthesized with the current library`
    : `${diff.base.ref} has no platform file, so everything is new; the work tree was synthesized with the current library`;
  return `${base}, so this shows what the input files change; changes to the library itself show in the git diff of dist/.`;
}

function costNote(diff: SemanticDiff): string {
  const price = formatMoney(diff.gpuQuotaPrice.hourlyPrice, diff.currency);
  if (diff.kueue) {
    return (
      'Monthly cost: what each tenant commits, at the platform file\'s prices for 730 hours a month: with Kueue, its guarantee (spec.quota, GPUs at the price of each GPU type of its split) ' +
      'and the serving reserve of its model services (maximum replicas plus the rollout surge replica, GPUs at their types\' prices); CPU cores, memory GiB and GPUs by the hour, storage GiB by the month. ' +
      'What a tenant may borrow beyond its guarantee is idle quota of others: not committed, not priced.'
    );
  }
  return (
    'Monthly cost: what each quota commits, at the platform file\'s prices for 730 hours a month ' +
    `(CPU cores, memory GiB and GPUs by the hour, storage GiB by the month); GPU quota priced at the default GPU type ${diff.gpuQuotaPrice.type} (${price}/h).`
  );
}

function shortCommit(diff: SemanticDiff): string {
  return diff.base.commit.slice(0, 12);
}

/** Tenants worth a row: changed objects or a changed cost (a price change in the platform file). */
function shownTenants(diff: SemanticDiff): GroupDiff[] {
  return diff.tenants.filter((tenant) => tenant.status !== 'unchanged' || (tenant.monthlyCost?.delta ?? 0) !== 0);
}

function objectCounts(group: Pick<GroupDiff, 'added' | 'removed' | 'changed'> | SemanticDiff['totals']['objects'], minus = '-'): string {
  const count = (value: number | readonly unknown[]) => (typeof value === 'number' ? value : value.length);
  return `+${count(group.added)} ${minus}${count(group.removed)} ~${count(group.changed)}`;
}

function quotaText(tenant: GroupDiff): string {
  if (tenant.status === 'removed') return 'removed';
  const describe = (change: QuotaChange) =>
    change.before === undefined ? `${change.resource} ${change.after}` : `${change.resource} ${change.before} → ${change.after}`;
  const spec = tenant.quota.map(describe).join(', ');
  if (tenant.namespaceQuota.length === 0) return spec;
  // The ResourceQuota where it changes otherwise than spec.quota (with Kueue: guarantee + borrowing limit + serving reserve).
  const namespace = `namespace quota ${tenant.namespaceQuota.map(describe).join(', ')}`;
  return spec === '' ? namespace : `${spec}; ${namespace}`;
}

function moneyText(cost: MoneyChange, currency: string, bold = (text: string) => text): string {
  const side = (amount: number | null) => (amount === null ? '—' : formatMoney(amount, currency));
  if (cost.before === cost.after) return side(cost.after);
  return `${side(cost.before)} → ${side(cost.after)} (${bold(formatMoney(cost.delta, currency, true))})`;
}

/** The flags of a group: its security categories, then its deploy effects, then its queueing changes, then its canary changes. */
function flagsText(group: GroupDiff): string {
  return [
    ...new Set([
      ...group.security.map((change) => SECURITY_CATEGORY_LABELS[change.category]),
      ...group.deploy.map((effect) => DEPLOY_CATEGORY_LABELS[effect.category]),
      ...group.queueing.map((change) => QUEUE_CATEGORY_LABELS[change.category]),
      ...group.canary.map((change) => CANARY_CATEGORY_LABELS[change.category]),
    ]),
  ].join(', ');
}

/** `2 security-relevant, 1 deploy effect, 3 queueing, 1 canary`, or '' when there are none. */
function totalFlagsText(diff: SemanticDiff): string {
  const { securityChanges, deployEffects, queueingChanges, canaryChanges } = diff.totals;
  return [
    ...(securityChanges > 0 ? [`${securityChanges} security-relevant`] : []),
    ...(deployEffects > 0 ? [`${deployEffects} deploy effect${deployEffects === 1 ? '' : 's'}`] : []),
    ...(queueingChanges > 0 ? [`${queueingChanges} queueing`] : []),
    ...(canaryChanges > 0 ? [`${canaryChanges} canary`] : []),
  ].join(', ');
}

/** A deploy effect as one sentence, with the procedure to follow. */
function effectText(effect: DeployEffect): string {
  return effect.see === undefined ? effect.message : `${effect.message}; see ${effect.see}`;
}

function groupLabel(group: GroupDiff): string {
  return group.name === '_platform' ? '(platform)' : group.name;
}

/** `~ mlp.io/cost-center: cc-1 → cc-2 on all 18 objects`. */
function labelLine(change: LabelChange): string {
  const count = change.files.length === change.of ? `all ${change.of} objects` : `${change.files.length} of ${change.of} objects`;
  return `${formatChange({ path: change.key, op: change.op, before: change.before, after: change.after })} on ${count}`;
}

function refText(ref: ObjectRef): string {
  return `${ref.kind} ${ref.name}`;
}

/**
 * The object lines of one group, as in a `diff` block: label changes that
 * several objects share once, on top, then each object with its other changes.
 */
function detailLines(group: GroupDiff, indent: string): string[] {
  const lines: string[] = group.labels.map(labelLine);
  const shared = new Set(group.labels.flatMap((label) => label.files.map((file) => JSON.stringify([file, label.key, label.op, label.before, label.after]))));
  const isShared = (file: string, field: FieldChange) => {
    const key = labelKey(field.path);
    return key !== undefined && shared.has(JSON.stringify([file, key, field.op, field.before, field.after]));
  };
  for (const ref of group.added) lines.push(`+ ${refText(ref)}  (${ref.file})`);
  for (const ref of group.removed) lines.push(`- ${refText(ref)}  (${ref.file})`);
  for (const change of group.changed) {
    const fields = change.changes.filter((field) => !isShared(change.file, field));
    if (fields.length === 0) continue;
    lines.push(`~ ${refText(change)}  (${change.file})`);
    for (const field of fields) lines.push(`${indent}${formatChange(field)}`);
  }
  return lines;
}

function statusWord(group: GroupDiff): string {
  return group.status === 'added' ? 'new tenant' : group.status === 'removed' ? 'removed tenant' : group.status;
}

/** The text output. */
export function renderDiffText(diff: SemanticDiff): string {
  const parts: string[] = [];
  parts.push(`mlp diff: ${diff.base.ref} (${shortCommit(diff)}) → work tree\n`);
  const tenants = shownTenants(diff);
  const changedGroups = [...(diff.platform.status === 'unchanged' ? [] : [diff.platform]), ...tenants];
  if (changedGroups.length === 0) {
    parts.push(`No changes: every object of ${counted(diff.tenants.length, 'tenant')} and the platform is the same.\n`);
    parts.push(`\n${libraryNote(diff)}\n`);
    return parts.join('');
  }
  const currency = diff.currency;
  const rows = tenants.map((tenant) => [tenant.name, statusWord(tenant), objectCounts(tenant), quotaText(tenant), moneyText(tenant.monthlyCost!, currency), flagsText(tenant)]);
  if (diff.platform.status !== 'unchanged') rows.push(['(platform)', 'changed', objectCounts(diff.platform), '', '', flagsText(diff.platform)]);
  rows.push(['TOTAL', '', objectCounts(diff.totals.objects), '', moneyText(diff.totals.monthlyCost, currency), totalFlagsText(diff)]);
  parts.push('\n');
  parts.push(textTable(['TENANT', 'STATUS', 'OBJECTS', 'QUOTA', `MONTHLY COST (${currency})`, 'FLAGS'], rows));
  const unchanged = diff.tenants.filter((tenant) => !tenants.includes(tenant)).map((tenant) => tenant.name);
  if (unchanged.length > 0) parts.push(`Unchanged: ${unchanged.join(', ')}.\n`);

  const security = changedGroups.flatMap((group) => group.security.map((change) => ({ group, change })));
  if (security.length > 0) {
    parts.push('\nSecurity-relevant changes:\n');
    parts.push(
      alignedRows(
        security.map(({ group, change }) => [`  ${groupLabel(group)}`, SECURITY_CATEGORY_LABELS[change.category], `${change.message} (${change.object})`]),
      ),
    );
  }
  const effects = changedGroups.flatMap((group) => group.deploy.map((effect) => ({ group, effect })));
  if (effects.length > 0) {
    parts.push('\nDeploy effects (what pulumi up does beyond updating objects in place):\n');
    parts.push(alignedRows(effects.map(({ group, effect }) => [`  ${groupLabel(group)}`, effectText(effect)])));
  }
  const queueing = changedGroups.flatMap((group) => group.queueing.map((change) => ({ group, change })));
  if (queueing.length > 0) {
    parts.push(`\n${QUEUEING_HEADING}:\n`);
    parts.push(alignedRows(queueing.map(({ group, change }) => [`  ${groupLabel(group)}`, `${change.message} (${change.object})`])));
  }
  const canary = changedGroups.flatMap((group) => group.canary.map((change) => ({ group, change })));
  if (canary.length > 0) {
    parts.push(`\n${CANARY_HEADING}:\n`);
    parts.push(alignedRows(canary.map(({ group, change }) => [`  ${groupLabel(group)}`, CANARY_CATEGORY_LABELS[change.category], `${change.message} (${change.object})`])));
  }
  for (const group of changedGroups) {
    if (group.status === 'unchanged') continue;
    parts.push(`\n${groupLabel(group)} (${group.file}): ${objectCounts(group)}\n`);
    parts.push(detailLines(group, '    ').map((line) => `  ${line}\n`).join(''));
  }
  parts.push(`\n${libraryNote(diff)}\n${costNote(diff)}\n`);
  return parts.join('');
}

/** The Markdown output: a pull-request comment. */
export function renderDiffMarkdown(diff: SemanticDiff): string {
  const currency = diff.currency;
  const parts: string[] = [DIFF_COMMENT_MARKER, `### mlp diff: \`${diff.base.ref}\` (\`${shortCommit(diff)}\`) → this change`, ''];
  const tenants = shownTenants(diff);
  const changedGroups = [...(diff.platform.status === 'unchanged' ? [] : [diff.platform]), ...tenants];
  const { added, removed, changed, unchanged } = diff.totals.tenants;
  if (changedGroups.length === 0) {
    parts.push(`No changes to the synthesized objects of ${counted(diff.tenants.length, 'tenant')} and the platform.`, '', `<sub>${libraryNote(diff)}</sub>`, '');
    return parts.join('\n');
  }
  const securityCount = diff.totals.securityChanges;
  const effectCount = diff.totals.deployEffects;
  const queueCount = diff.totals.queueingChanges;
  const canaryCount = diff.totals.canaryChanges;
  parts.push(
    [
      `Tenants: ${changed} changed, ${added} added, ${removed} removed, ${unchanged} unchanged`,
      `objects ${objectCounts(diff.totals.objects, '−')}`,
      `committed cost ${moneyText(diff.totals.monthlyCost, currency, (text) => `**${text}**`)} a month`,
      ...(securityCount > 0 ? [`⚠️ **${securityCount} security-relevant change${securityCount === 1 ? '' : 's'}**`] : []),
      ...(effectCount > 0 ? [`⚠️ **${effectCount} deploy effect${effectCount === 1 ? '' : 's'}**`] : []),
      ...(queueCount > 0 ? [`${queueCount} queueing change${queueCount === 1 ? '' : 's'}`] : []),
      ...(canaryCount > 0 ? [`${canaryCount} canary change${canaryCount === 1 ? '' : 's'}`] : []),
    ].join(' · '),
    '',
  );
  const rows = tenants.map((tenant) => [
    `\`${tenant.name}\`${tenant.status === 'added' ? ' (new)' : tenant.status === 'removed' ? ' (removed)' : ''}`,
    objectCounts(tenant, '−'),
    markdownCell(quotaText(tenant)),
    markdownCell(moneyText(tenant.monthlyCost!, currency, (text) => `**${text}**`)),
    flagsText(tenant) ? `⚠️ ${flagsText(tenant)}` : '',
  ]);
  if (diff.platform.status !== 'unchanged') rows.push(['(platform)', objectCounts(diff.platform, '−'), '', '', flagsText(diff.platform) ? `⚠️ ${flagsText(diff.platform)}` : '']);
  rows.push(['**Total**', objectCounts(diff.totals.objects, '−'), '', markdownCell(moneyText(diff.totals.monthlyCost, currency, (text) => `**${text}**`)), '']);
  parts.push(markdownTable(['Tenant', 'Objects +/−/~', 'Quota', `Monthly cost (${currency})`, 'Flags'], rows));

  const security = changedGroups.flatMap((group) => group.security.map((change) => ({ group, change })));
  if (security.length > 0) {
    parts.push('#### ⚠️ Security-relevant changes', '');
    for (const { group, change } of security) {
      const who = group.name === '_platform' ? 'platform' : group.name;
      parts.push(`- **${markdownCell(who)}** · ${SECURITY_CATEGORY_LABELS[change.category]}: ${markdownCell(change.message)} (\`${change.object}\`)`);
    }
    parts.push('');
  }
  const effects = changedGroups.flatMap((group) => group.deploy.map((effect) => ({ group, effect })));
  if (effects.length > 0) {
    parts.push('#### ⚠️ Deploy effects', '');
    for (const { group, effect } of effects) {
      const who = group.name === '_platform' ? 'platform' : group.name;
      const see = effect.see === undefined ? '' : `; see \`${effect.see}\``;
      parts.push(`- **${markdownCell(who)}** · ${markdownCell(effect.message)}${see}`);
    }
    parts.push('');
  }
  const queueing = changedGroups.flatMap((group) => group.queueing.map((change) => ({ group, change })));
  if (queueing.length > 0) {
    parts.push(`#### ${QUEUEING_HEADING}`, '');
    for (const { group, change } of queueing) {
      const who = group.name === '_platform' ? 'platform' : group.name;
      // The message names its setting (`guarantee of ...`, `cohort: ...`); the category is added only where it does not (`adds ClusterQueue ...`).
      const label = QUEUE_CATEGORY_LABELS[change.category];
      const what = change.message.startsWith(label) ? change.message : `${label}: ${change.message}`;
      parts.push(`- **${markdownCell(who)}** · ${markdownCell(what)} (\`${change.object}\`)`);
    }
    parts.push('');
  }

  const canary = changedGroups.flatMap((group) => group.canary.map((change) => ({ group, change })));
  if (canary.length > 0) {
    parts.push(`#### ${CANARY_HEADING}`, '');
    for (const { group, change } of canary) {
      const who = group.name === '_platform' ? 'platform' : group.name;
      parts.push(`- **${markdownCell(who)}** · ${CANARY_CATEGORY_LABELS[change.category]}: ${markdownCell(change.message)} (\`${change.object}\`)`);
    }
    parts.push('');
  }

  parts.push('#### Changes by tenant', '');
  const footer = [`<sub>${libraryNote(diff)} ${costNote(diff)}</sub>`, ''];
  let length = parts.join('\n').length + footer.join('\n').length;
  let omitted = 0;
  for (const group of changedGroups) {
    if (group.status === 'unchanged') continue;
    const who = group.name === '_platform' ? 'platform' : group.name;
    const block = [
      `<details><summary><b>${who}</b> (${statusWord(group)}): ${objectCounts(group, '−')} · <code>${group.file}</code></summary>`,
      '',
      '```diff',
      ...detailLines(group, '    ').map((line) => line.replace(/```/g, '` ` `')),
      '```',
      '</details>',
      '',
    ].join('\n');
    if (length + block.length > MARKDOWN_BUDGET) {
      omitted++;
      continue;
    }
    parts.push(block);
    length += block.length + 1;
  }
  if (omitted > 0) parts.push(`_Details of ${omitted} more ${omitted === 1 ? 'tenant is' : 'tenants are'} left out to fit a comment; run \`npx mlp diff --base ${diff.base.ref}\` to see them._`, '');
  parts.push(...footer);
  return parts.join('\n');
}

/** The JSON output: the SemanticDiff with a version and the notes, keys sorted. */
export function renderDiffJson(diff: SemanticDiff): string {
  return stableJson({ version: DIFF_JSON_VERSION, note: libraryNote(diff), costNote: costNote(diff), ...diff });
}

/** Runs `mlp diff` and writes the output; returns the exit status (0: the diff was computed, changes or not). */
export function runDiff(options: DiffOptions, out: NodeJS.WritableStream): number {
  const head = loadConfig({ platformFile: options.platformFile, tenantsDir: options.tenantsDir });
  const base = loadConfigAtRef(options.base, { platformFile: options.platformFile, tenantsDir: options.tenantsDir });
  const diff = semanticDiff(base, head);
  const render = { text: renderDiffText, markdown: renderDiffMarkdown, json: renderDiffJson }[options.format];
  out.write(render(diff));
  return 0;
}
