import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { providerKubeconfigText, removeProviderKubeconfigCopies } from '../../../stacks/pulumi/kubeconfig-copies';

const kubeconfig = (server: string, key: string) =>
  `apiVersion: v1\nkind: Config\nclusters:\n- name: local\n  cluster:\n    server: ${server}\n    certificate-authority-data: Q0E=\n` +
  `users:\n- name: admin\n  user:\n    client-certificate-data: Q0VSVA==\n    client-key-data: ${key}\n` +
  `contexts:\n- name: local\n  context:\n    cluster: local\n    user: admin\ncurrent-context: local\n`;
// What the provider writes (clientcmd.WriteToFile): the same entries, keys sorted, preferences added.
const providerCopy = (server: string, key: string) =>
  `apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: Q0E=\n    server: ${server}\n  name: local\n` +
  `contexts:\n- context:\n    cluster: local\n    user: admin\n  name: local\ncurrent-context: local\nkind: Config\npreferences: {}\n` +
  `users:\n- name: admin\n  user:\n    client-certificate-data: Q0VSVA==\n    client-key-data: ${key}\n`;

describe('removeProviderKubeconfigCopies', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubeconfig-copies-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('removes the provider copies of the kubeconfig and leaves every other file', () => {
    const ours = kubeconfig('https://127.0.0.1:6443', 'S0VZ');
    fs.writeFileSync(path.join(dir, 'kubeconfig123'), providerCopy('https://127.0.0.1:6443', 'S0VZ'));
    fs.writeFileSync(path.join(dir, 'kubeconfig456'), providerCopy('https://127.0.0.1:6443', 'S0VZ'));
    fs.writeFileSync(path.join(dir, 'kubeconfig789'), providerCopy('https://10.0.0.1:6443', 'S0VZ')); // another cluster
    fs.writeFileSync(path.join(dir, 'kubeconfig-mine'), providerCopy('https://127.0.0.1:6443', 'S0VZ')); // not the provider's name
    fs.writeFileSync(path.join(dir, 'kubeconfig999'), 'not: [yaml'); // unreadable as a kubeconfig
    const removed = removeProviderKubeconfigCopies(ours, dir);
    expect(removed.map((file) => path.basename(file)).sort()).toEqual(['kubeconfig123', 'kubeconfig456']);
    expect(fs.readdirSync(dir).sort()).toEqual(['kubeconfig-mine', 'kubeconfig789', 'kubeconfig999']);
  });

  test('reads the kubeconfig from mlp:kubeconfig, else from $KUBECONFIG as a path or as contents', () => {
    const file = path.join(dir, 'config');
    fs.writeFileSync(file, kubeconfig('https://a', 'Sw=='));
    expect(providerKubeconfigText(file, {})).toBe(kubeconfig('https://a', 'Sw=='));
    expect(providerKubeconfigText(undefined, { KUBECONFIG: file })).toBe(kubeconfig('https://a', 'Sw=='));
    expect(providerKubeconfigText(undefined, { KUBECONFIG: kubeconfig('https://b', 'Sw==') })).toBe(kubeconfig('https://b', 'Sw=='));
    expect(providerKubeconfigText(undefined, {})).toBeUndefined();
    expect(providerKubeconfigText(path.join(dir, 'missing'), {})).toBeUndefined();
  });
});
