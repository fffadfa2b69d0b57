import { PLATFORM_COMPONENT_TYPE, PROVIDER_NAME, TENANT_COMPONENT_TYPE } from '../../stacks/stack-names';
import {
  PROVIDER_TYPE,
  SplitInput,
  SplitUnit,
  StackState,
  StateResource,
  parseStackExport,
  planSplit,
  subtree,
  topLevelUrn,
  urnKey,
  verifySplit,
} from '../../deploy/state-split';

const PROJECT = 'mlp';

/** A state like a single stack's: root, providers, the self reference, the platform and the given tenants. */
function singleStack(stack: string, tenants: readonly string[], options: { clusterIdentifier?: string; protect?: boolean } = {}): StackState {
  const root = topLevelUrn(stack, PROJECT, 'pulumi:pulumi:Stack', `${PROJECT}-${stack}`);
  const resources: StateResource[] = [
    { urn: root, type: 'pulumi:pulumi:Stack' },
    { urn: topLevelUrn(stack, PROJECT, 'pulumi:pulumi:StackReference', 'previous-update'), type: 'pulumi:pulumi:StackReference', parent: root, id: `organization/${PROJECT}/${stack}` },
    {
      urn: topLevelUrn(stack, PROJECT, PROVIDER_TYPE, PROVIDER_NAME),
      type: PROVIDER_TYPE,
      parent: root,
      id: 'a6ccfafc',
      inputs: { clusterIdentifier: options.clusterIdentifier ?? 'mlp-dev' },
    },
    ...component(stack, PLATFORM_COMPONENT_TYPE, 'platform', [['kubernetes:scheduling.k8s.io/v1:PriorityClass', '_platform/priorityclass-mlp-batch', false]]),
    ...tenants.flatMap((tenant) =>
      component(stack, TENANT_COMPONENT_TYPE, tenant, [
        ['kubernetes:core/v1:Namespace', `${tenant}/namespace-${tenant}`, options.protect ?? true],
        ['kubernetes:core/v1:PersistentVolumeClaim', `${tenant}/persistentvolumeclaim-train-checkpoints`, options.protect ?? true],
        ['kubernetes:core/v1:Service', `${tenant}/service-chat`, false],
      ]),
    ),
  ];
  return { stack, resources, pendingOperations: 0 };
}

function component(stack: string, type: string, name: string, children: readonly (readonly [string, string, boolean])[]): StateResource[] {
  const urn = topLevelUrn(stack, PROJECT, type, name);
  return [
    { urn, type, parent: topLevelUrn(stack, PROJECT, 'pulumi:pulumi:Stack', `${PROJECT}-${stack}`) },
    ...children.map(([childType, childName, protect]) => ({
      urn: `urn:pulumi:${stack}::${PROJECT}::${type}$${childType}::${childName}`,
      type: childType,
      parent: urn,
      id: childName.split('/')[1],
      protect,
      outputs: { metadata: { uid: `uid-${childName}` } },
    })),
  ];
}

/** What `pulumi state move` does to the two states (the component with its children; the provider copied). */
function move(from: StackState, to: StackState | undefined, unit: SplitUnit): { from: StackState; to: StackState } {
  const moved = subtree(from, topLevelUrn(from.stack, PROJECT, unit.type, unit.name));
  const rename = (urn: string) => urn.replace(`urn:pulumi:${from.stack}::`, `urn:pulumi:${unit.stack}::`);
  const base = to?.resources ?? [
    { urn: topLevelUrn(unit.stack, PROJECT, 'pulumi:pulumi:Stack', `${PROJECT}-${unit.stack}`), type: 'pulumi:pulumi:Stack' },
    { ...from.resources.find((resource) => resource.type === PROVIDER_TYPE)!, urn: topLevelUrn(unit.stack, PROJECT, PROVIDER_TYPE, PROVIDER_NAME) },
  ];
  return {
    from: { ...from, resources: from.resources.filter((resource) => !moved.includes(resource)) },
    to: { stack: unit.stack, pendingOperations: 0, resources: [...base, ...moved.map((resource) => ({ ...resource, urn: rename(resource.urn), ...(resource.parent && { parent: rename(resource.parent) }) }))] },
  };
}

const platformUnit: SplitUnit = { stack: 'platform', type: PLATFORM_COMPONENT_TYPE, name: 'platform', label: 'the platform' };
const tenantUnit = (tenant: string): SplitUnit => ({ stack: `tenant-${tenant}`, type: TENANT_COMPONENT_TYPE, name: tenant, label: `tenant ${tenant}` });
const UNITS = [platformUnit, tenantUnit('nlp'), tenantUnit('vision')];

function input(old: StackState, targets: readonly StackState[] = [], overrides: Partial<SplitInput> = {}): SplitInput {
  return {
    project: PROJECT,
    old,
    targets: new Map(targets.map((target) => [target.stack, target])),
    units: UNITS,
    withFile: new Set(UNITS.map((unit) => unit.label)),
    clusterIdentifier: 'mlp-dev',
    settingsFile: 'Pulumi.dev.yaml',
    ...overrides,
  };
}

describe('parseStackExport', () => {
  test('reads the resources and counts pending operations', () => {
    const state = parseStackExport('dev', JSON.stringify({ version: 3, deployment: { resources: [{ urn: 'urn:pulumi:dev::mlp::t::n', type: 't' }], pending_operations: [{}, {}] } }));
    expect(state).toEqual({ stack: 'dev', resources: [{ urn: 'urn:pulumi:dev::mlp::t::n', type: 't' }], pendingOperations: 2 });
  });

  test('reads a stack that was never deployed as empty', () => {
    expect(parseStackExport('platform', JSON.stringify({ version: 3, deployment: { manifest: {} } }))).toEqual({ stack: 'platform', resources: [], pendingOperations: 0 });
  });

  test('fails when the text is not an export of version 3', () => {
    expect(() => parseStackExport('dev', 'warning: x')).toThrow(/^pulumi stack export --stack dev printed no JSON \(/);
    expect(() => parseStackExport('dev', '{"version": 4, "deployment": {}}')).toThrow('pulumi stack export --stack dev: expected {"version": 3, "deployment": ...}, got version 4');
  });
});

describe('urnKey and subtree', () => {
  test('urnKey drops only the stack', () => {
    expect(urnKey('urn:pulumi:dev::mlp::mlp:platform:Tenant$kubernetes:core/v1:Namespace::nlp/namespace-nlp')).toBe('mlp::mlp:platform:Tenant$kubernetes:core/v1:Namespace::nlp/namespace-nlp');
  });

  test('subtree holds the component and its children only', () => {
    const state = singleStack('dev', ['nlp', 'vision']);
    const names = subtree(state, topLevelUrn('dev', PROJECT, TENANT_COMPONENT_TYPE, 'nlp')).map((resource) => resource.urn.split('::').pop());
    expect(names).toEqual(['nlp', 'nlp/namespace-nlp', 'nlp/persistentvolumeclaim-train-checkpoints', 'nlp/service-chat']);
  });
});

describe('planSplit', () => {
  test('a single stack: every unit is to move, nothing blocks', () => {
    const plan = planSplit(input(singleStack('dev', ['nlp', 'vision'])));
    expect(plan.problems).toEqual([]);
    expect(plan.units.map((unit) => [unit.unit.stack, unit.status, unit.resources])).toEqual([
      ['platform', 'to move', 2],
      ['tenant-nlp', 'to move', 4],
      ['tenant-vision', 'to move', 4],
    ]);
  });

  test('after an interruption: a moved tenant is moved, the others still to move', () => {
    const moved = move(singleStack('dev', ['nlp', 'vision']), undefined, tenantUnit('nlp'));
    const plan = planSplit(input(moved.from, [moved.to, { stack: 'tenant-vision', resources: [], pendingOperations: 0 }]));
    expect(plan.problems).toEqual([]);
    expect(plan.units.map((unit) => `${unit.unit.stack} ${unit.status}`)).toEqual(['platform to move', 'tenant-nlp moved', 'tenant-vision to move']);
  });

  test('a move interrupted between its two writes: the component is copied, the same in both stacks', () => {
    const old = singleStack('dev', ['nlp', 'vision']);
    const moved = move(old, undefined, tenantUnit('nlp'));
    const plan = planSplit(input(old, [moved.to]));
    expect(plan.problems).toEqual([]);
    expect(plan.units.find((unit) => unit.unit.stack === 'tenant-nlp')?.status).toBe('copied');
  });

  test('fails when the two copies of an interrupted move differ', () => {
    const old = singleStack('dev', ['nlp', 'vision']);
    const moved = move(old, undefined, tenantUnit('nlp'));
    const changed = { ...moved.to, resources: moved.to.resources.map((resource) => (resource.urn.endsWith('nlp/service-chat') ? { ...resource, id: 'other' } : resource)) };
    expect(planSplit(input(old, [changed])).problems).toEqual([
      'tenant nlp is in stack dev and in stack tenant-nlp, and the two differ (mlp::mlp:platform:Tenant$kubernetes:core/v1:Service::nlp/service-chat has id service-chat in one and other in the other); ' +
        'a move was interrupted and something changed since. Compare `pulumi stack export` of both stacks and remove the wrong copy by hand',
    ]);
  });

  test('fails when the settings file does not set the old stack\'s cluster identifier, and says why', () => {
    const why =
      'every new stack builds its Kubernetes provider from the settings file, and a provider whose identifier changes is replaced ' +
      'together with every object in the stack (deleted and created again; the protected ones refused)';
    expect(planSplit(input(singleStack('dev', ['nlp']), [], { clusterIdentifier: undefined, units: [platformUnit, tenantUnit('nlp')] })).problems).toEqual([
      `Pulumi.dev.yaml: mlp:clusterIdentifier is not set; set it to the old stack's identifier, \`mlp:clusterIdentifier: mlp-dev\`: ${why}`,
    ]);
    expect(planSplit(input(singleStack('dev', ['nlp']), [], { clusterIdentifier: 'prod-eu', units: [platformUnit, tenantUnit('nlp')] })).problems).toEqual([
      `Pulumi.dev.yaml: mlp:clusterIdentifier is "prod-eu", but stack dev deployed with "mlp-dev"; set \`mlp:clusterIdentifier: mlp-dev\`: ${why}`,
    ]);
  });

  test('fails for a deployed tenant without a file and for a tenant file nothing deployed', () => {
    const plan = planSplit(input(singleStack('dev', ['nlp']), [], { withFile: new Set(['the platform', 'tenant vision']) }));
    expect(plan.problems).toEqual([
      'tenant nlp is deployed (in stack dev) but has no file; restore the file, or finish decommissioning the tenant in stack dev first (docs/deploy.md#decommissioning-a-tenant)',
      'tenant vision has a file but is deployed neither in stack dev nor in stack tenant-vision; the migration moves only what is deployed: ' +
        'run `pulumi up --stack dev` first, or move the file away until the migration is done',
    ]);
  });

  test('fails when a target stack already holds objects of its own', () => {
    const other = move(singleStack('elsewhere', ['nlp']), undefined, tenantUnit('nlp')).to;
    const renamed = { ...other, resources: other.resources.map((resource) => ({ ...resource, urn: resource.urn.replace('::mlp:platform:Tenant$', '::mlp:other:Tenant$').replace('::mlp:platform:Tenant::', '::mlp:other:Tenant::') })) };
    expect(planSplit(input(singleStack('dev', ['nlp', 'vision']), [renamed])).problems).toEqual([
      "stack tenant-nlp already holds 3 Kubernetes object(s) (e.g. mlp::mlp:other:Tenant$kubernetes:core/v1:Namespace::nlp/namespace-nlp) that are not tenant nlp's from stack dev; " +
        'the migration moves into new or empty stacks only: remove stack tenant-nlp (check first what it holds: pulumi stack --stack tenant-nlp --show-urns)',
    ]);
  });

  test('fails for pending operations and for resources outside the components', () => {
    const old = singleStack('dev', ['nlp', 'vision']);
    const stray = { urn: topLevelUrn('dev', PROJECT, 'kubernetes:core/v1:ConfigMap', 'hand-made'), type: 'kubernetes:core/v1:ConfigMap', id: 'default/hand-made' };
    const problems = planSplit(input({ ...old, resources: [...old.resources, stray], pendingOperations: 1 })).problems;
    expect(problems).toEqual([
      'stack dev has 1 pending operation(s) that an interrupted update left; run `pulumi refresh --stack dev` (it resolves them) and `pulumi up` until `pulumi preview --expect-no-changes` passes, then run this again',
      `stack dev holds 1 resource(s) that belong to no tenant and not to the platform, which the split stacks would not register: ${stray.urn}`,
    ]);
  });
});

describe('verifySplit', () => {
  const splitAll = (before: StackState) => {
    let old = before;
    const targets = new Map<string, StackState>();
    for (const unit of UNITS) {
      const moved = move(old, targets.get(unit.stack), unit);
      old = moved.from;
      targets.set(unit.stack, moved.to);
    }
    return { old, targets };
  };

  test('every object is in its stack with its id, uid and protection', () => {
    const before = singleStack('dev', ['nlp', 'vision']);
    const check = verifySplit(PROJECT, before, splitAll(before), UNITS);
    expect(check).toEqual({ objects: 7, protected: 4, problems: [] });
  });

  test('finds a protection lost, a uid changed and an object missing', () => {
    const before = singleStack('dev', ['nlp', 'vision']);
    const after = splitAll(before);
    const nlp = after.targets.get('tenant-nlp')!;
    after.targets.set('tenant-nlp', {
      ...nlp,
      resources: nlp.resources
        .filter((resource) => !resource.urn.endsWith('nlp/service-chat'))
        .map((resource) => (resource.urn.endsWith('nlp/namespace-nlp') ? { ...resource, protect: false, outputs: { metadata: { uid: 'new' } } } : resource)),
    });
    expect(verifySplit(PROJECT, before, after, UNITS).problems).toEqual([
      'mlp::mlp:platform:Tenant$kubernetes:core/v1:Namespace::nlp/namespace-nlp: metadata.uid was uid-nlp/namespace-nlp, is new in stack tenant-nlp',
      'mlp::mlp:platform:Tenant$kubernetes:core/v1:Namespace::nlp/namespace-nlp: protect was true, is false in stack tenant-nlp',
      'mlp::mlp:platform:Tenant$kubernetes:core/v1:Service::nlp/service-chat: not in stack tenant-nlp',
    ]);
  });
});
