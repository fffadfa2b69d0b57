/**
 * `mlp diff` on tenant files that start, change, remove and promote a canary: the lines under
 * "Canary releases" and the flags of the summary, read from the objects synthesized from real
 * tenant files, with the weights of the HTTPRoute that the platform's gateway mode gives a public service.
 */
import * as fs from 'fs';
import * as path from 'path';
import { git, runMlp } from '../support/cli';
import { minimalTenant, scratchProject } from '../support/fixtures';

const STABLE = 'registry.ml.example.com/nlp/chat:1.4.0';
const RC1 = 'registry.ml.example.com/nlp/chat:1.5.0-rc1';

/** Tenant nlp with model service chat (replicas 2..6) and, when given, its canary. */
function tenant(image: string, canary?: { image: string; weight: number; max?: number }, expose = ''): string {
  const canaryText = canary
    ? `      canary:\n        image: ${canary.image}\n        weight: ${canary.weight}\n${canary.max === undefined ? '' : `        replicas: {min: 1, max: ${canary.max}}\n`}`
    : '';
  return `${minimalTenant('nlp')}  modelServices:\n    - name: chat\n      image: ${image}\n      replicas: {min: 2, max: 6}\n${expose}${canaryText}`;
}

const HEADING = 'Canary releases (model services: started, weight, image, replicas, removed, promoted):';

/** The lines of a section of the text output, from its heading to the next blank line. */
function section(stdout: string, heading: string): string[] {
  const start = stdout.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no section "${heading}" in:\n${stdout}`);
  const rest = stdout.slice(start + heading.length + 2);
  return rest.slice(0, rest.indexOf('\n\n')).split('\n');
}

/** The cells of the summary row of `name` (columns are two or more spaces apart). */
function summaryRow(stdout: string, name: string): string[] {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  if (!line) throw new Error(`no summary row for ${name} in:\n${stdout}`);
  return line.split(/ {2,}/);
}

describe('mlp diff: canary releases', () => {
  let project: ReturnType<typeof scratchProject>;
  const commit = (text: string) => {
    fs.writeFileSync(path.join(project.tenantsDir, 'nlp.yaml'), text);
    git(project.dir, 'add', '.');
    git(project.dir, 'commit', '--quiet', '-m', 'tenants');
  };
  const diffTo = (text: string) => {
    fs.writeFileSync(path.join(project.tenantsDir, 'nlp.yaml'), text);
    const result = runMlp(project.dir, 'diff');
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    return result.stdout;
  };

  beforeEach(() => {
    project = scratchProject({});
    git(project.dir, 'init', '--quiet');
  });
  afterEach(() => fs.rmSync(project.dir, { recursive: true, force: true }));

  test('flags a canary that starts, with its image, replicas and the split of a service without a route', () => {
    commit(tenant(STABLE));
    const stdout = diffTo(tenant(STABLE, { image: RC1, weight: 10 }));
    expect(section(stdout, HEADING)).toEqual([
      `  nlp  canary  starts a canary of chat: image ${RC1}, no route (inside the cluster the split follows the replica ratio), replicas 1..1 (Deployment chat-canary)`,
    ]);
    expect(summaryRow(stdout, 'nlp').slice(-1)).toEqual(['canary']);
    expect(summaryRow(stdout, 'TOTAL').slice(-1)).toEqual(['1 canary']);
  });

  test("flags a weight change of a public service's route, from → to", () => {
    const expose = '      expose: {type: ingress}\n';
    commit(tenant(STABLE, { image: RC1, weight: 10 }, expose));
    const stdout = diffTo(tenant(STABLE, { image: RC1, weight: 25, max: 2 }, expose));
    expect(section(stdout, HEADING)).toEqual([
      '  nlp  canary         canary replicas of chat: 1..1 → 1..2 (Deployment chat-canary)',
      "  nlp  canary weight  canary weight of chat: 10% of the route's requests → 25% of the route's requests (HTTPRoute chat)",
    ]);
  });

  test('flags a new canary image and new replica bounds', () => {
    commit(tenant(STABLE, { image: RC1, weight: 10 }));
    const stdout = diffTo(tenant(STABLE, { image: 'registry.ml.example.com/nlp/chat:1.5.0-rc2', weight: 10, max: 3 }));
    expect(section(stdout, HEADING)).toEqual([
      `  nlp  canary  canary image of chat: ${RC1} → registry.ml.example.com/nlp/chat:1.5.0-rc2 (Deployment chat-canary)`,
      '  nlp  canary  canary replicas of chat: 1..1 → 1..3 (Deployment chat-canary)',
    ]);
  });

  test('flags a promotion: the canary removed and the service given its image', () => {
    commit(tenant(STABLE, { image: RC1, weight: 10 }));
    const stdout = diffTo(tenant(RC1));
    expect(section(stdout, HEADING)).toEqual([
      `  nlp  promotion  promotes the canary of chat: the stable track runs ${RC1} (was ${STABLE}) and the canary is removed (Deployment chat)`,
    ]);
    expect(summaryRow(stdout, 'nlp').slice(-1)).toEqual(['promotion']);
  });

  test('flags a canary removed without promotion', () => {
    commit(tenant(STABLE, { image: RC1, weight: 10 }));
    const stdout = diffTo(tenant(STABLE));
    expect(section(stdout, HEADING)).toEqual([
      `  nlp  canary removed  removes the canary of chat (image ${RC1}): every request goes to the stable track (image ${STABLE}) (Deployment chat-canary)`,
    ]);
  });

  test('writes the canary changes into the Markdown comment', () => {
    commit(tenant(STABLE));
    fs.writeFileSync(path.join(project.tenantsDir, 'nlp.yaml'), tenant(STABLE, { image: RC1, weight: 10 }));
    const { stdout } = runMlp(project.dir, 'diff', '--format', 'markdown');
    expect(stdout).toContain(
      `- **nlp** · canary: starts a canary of chat: image ${RC1}, no route (inside the cluster the split follows the replica ratio), replicas 1..1 (\`Deployment chat-canary\`)`,
    );
    expect(stdout.split('\n').find((line) => line.startsWith('Tenants: '))).toMatch(/ · 1 canary change$/);
  });
});
